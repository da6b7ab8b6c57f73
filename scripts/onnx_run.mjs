// Runs an ONNX model in onnxruntime (npm onnxruntime-node, CPU) on the inputs of a safetensors file and writes its
// outputs to another safetensors file: the reference strata's ONNX tests compare against.
// Usage: node scripts/onnx_run.mjs MODEL.onnx INPUTS.safetensors OUTPUTS.safetensors [MODEL2 IN2 OUT2 ...]
//   Several triples run in one process (node and onnxruntime start once).
//   Each tensor of INPUTS feeds the graph input of the same name; OUTPUTS holds every graph output by name.
//   Tensors are F32, F64, I64, I32 or U8. onnxruntime-node comes from $STRATA_DATA/onnxruntime-node (else
//   ~/.cache/strata/onnxruntime-node), installed by scripts/install-onnxruntime.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const args = process.argv.slice(2);
if (args.length === 0 || args.length % 3 !== 0) {
  console.error("usage: node onnx_run.mjs MODEL.onnx INPUTS.safetensors OUTPUTS.safetensors [...]");
  process.exit(2);
}
const root = process.env.STRATA_DATA || path.join(os.homedir(), ".cache", "strata");
const ortDir = path.join(root, "onnxruntime-node");
if (!fs.existsSync(path.join(ortDir, "node_modules", "onnxruntime-node"))) {
  console.error(`onnx_run: onnxruntime-node is not installed in ${ortDir}; run scripts/install-onnxruntime`);
  process.exit(1);
}
const ort = createRequire(path.join(ortDir, "package.json"))("onnxruntime-node");

const kinds = {
  F32: { ort: "float32", array: Float32Array },
  F64: { ort: "float64", array: Float64Array },
  I64: { ort: "int64", array: BigInt64Array },
  I32: { ort: "int32", array: Int32Array },
  U8: { ort: "uint8", array: Uint8Array },
};

function readSafetensors(file) {
  const buf = fs.readFileSync(file);
  const headerLen = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString("utf8"));
  const base = 8 + headerLen;
  const tensors = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const kind = kinds[info.dtype];
    if (!kind) throw new Error(`${file}: tensor ${name} has unsupported dtype ${info.dtype}`);
    const [begin, end] = info.data_offsets;
    const bytes = new Uint8Array(end - begin);
    bytes.set(buf.subarray(base + begin, base + end));
    const data = new kind.array(bytes.buffer, 0, (end - begin) / kind.array.BYTES_PER_ELEMENT);
    tensors[name] = new ort.Tensor(kind.ort, data, info.shape);
  }
  return tensors;
}

function writeSafetensors(file, tensors) {
  const header = {};
  const chunks = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const dtype = Object.keys(kinds).find((k) => kinds[k].ort === t.type);
    if (!dtype) throw new Error(`output ${name} has unsupported type ${t.type}`);
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype, shape: t.dims.map(Number), data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += " ";
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  fs.writeFileSync(file, Buffer.concat([len, Buffer.from(json), ...chunks]));
}

for (let i = 0; i < args.length; i += 3) {
  const [modelPath, inputPath, outputPath] = args.slice(i, i + 3);
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ["cpu"],
    intraOpNumThreads: 1,
    graphOptimizationLevel: "all",
  });
  const feeds = readSafetensors(inputPath);
  for (const name of session.inputNames) {
    if (!(name in feeds)) throw new Error(`${inputPath} has no tensor for graph input ${name} of ${modelPath}`);
  }
  const results = await session.run(feeds);
  const outputs = {};
  for (const name of session.outputNames) outputs[name] = results[name];
  writeSafetensors(outputPath, outputs);
}
