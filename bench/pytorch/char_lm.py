"""The character language model shared by the W4 and W5 twins: embedding -> recurrent layers (batch_first)
-> linear head over the vocabulary at every step, on random tokens, with PyTorch's default initialisation
(as strata's layers use), cross-entropy and Adam 1e-3."""
import torch

import harness

VOCAB, EMBED, HIDDEN, SEQ, BATCH = 64, 64, 256, 64, 32


def train_char_lm(args, workload, make_rnn, warmup=3):
    torch.manual_seed(0)
    embed, rnn, head = torch.nn.Embedding(VOCAB, EMBED), make_rnn(EMBED, HIDDEN), torch.nn.Linear(HIDDEN, VOCAB)
    params = list(embed.parameters()) + list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    tokens = torch.randint(0, VOCAB, (BATCH, SEQ))
    targets = torch.randint(0, VOCAB, (BATCH * SEQ,))

    def step():
        y, _ = rnn(embed(tokens))
        loss = torch.nn.functional.cross_entropy(head(y).reshape(BATCH * SEQ, VOCAB), targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    harness.report(args, workload, harness.measure(args, step, warmup=warmup))
