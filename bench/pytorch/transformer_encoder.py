"""Twin of BM_TransformerEncoderStep (bench/transformer_bench.cpp): 2 nn.TransformerEncoderLayer (d_model 128,
4 heads, feed-forward 512, batch first, dropout 0.1) on random [32, 64, 128], mean-square loss, AdamW.
Prints wall and CPU ms per step at 1 and 2 threads."""
import time

import torch

for threads in (1, 2):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(128, 4, 512, batch_first=True)
    encoder = torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    opt = torch.optim.AdamW(encoder.parameters(), lr=1e-4)
    x = torch.randn(32, 64, 128)

    def step():
        loss = encoder(x).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    n, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < 3.0:
        step()
        n += 1
    wall, cpu = (time.perf_counter() - start) / n, (time.process_time() - cpu) / n
    print(f"threads {threads}: {wall * 1e3:.1f} ms/step, {cpu * 1e3:.1f} ms CPU/step ({n} steps)", flush=True)
