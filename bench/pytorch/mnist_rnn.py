"""The PyTorch side of the issue-14 comparison: the recipe of examples/mnist_lstm.net (and mnist_gru,
mnist_bilstm) in nn.LSTM / nn.GRU: rows of MNIST as a sequence [B, 28, 28], hidden 128 (bi: 64 each way),
last state into Linear(10), Adam 1e-3, batch 128, 3 epochs on the first 20,000 training images,
evaluated on the 10,000 test images. Run with Debian's /usr/bin/python3 (python3-torch):

    /usr/bin/python3 bench/pytorch/mnist_rnn.py ../shared/data/mnist lstm 2
"""
import gzip
import struct
import sys
import time

import numpy as np
import torch
from torch import nn


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class Net(nn.Module):
    def __init__(self, kind):
        super().__init__()
        if kind == "lstm":
            self.rnn, width = nn.LSTM(28, 128, batch_first=True), 128
        elif kind == "gru":
            self.rnn, width = nn.GRU(28, 128, batch_first=True), 128
        else:
            self.rnn, width = nn.LSTM(28, 64, batch_first=True, bidirectional=True), 128
        self.kind = kind
        self.fc = nn.Linear(width, 10)

    def forward(self, x):
        out, state = self.rnn(x)
        h = state[0] if isinstance(state, tuple) else state
        last = torch.cat([h[0], h[1]], dim=1) if self.kind == "bilstm" else h[-1]
        return self.fc(last)


def main():
    root, kind, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = torch.tensor(idx(f"{root}/train-images-idx3-ubyte.gz")[:20000], dtype=torch.float32) / 255
    y = torch.tensor(idx(f"{root}/train-labels-idx1-ubyte.gz")[:20000], dtype=torch.long)
    tx = torch.tensor(idx(f"{root}/t10k-images-idx3-ubyte.gz"), dtype=torch.float32) / 255
    ty = torch.tensor(idx(f"{root}/t10k-labels-idx1-ubyte.gz"), dtype=torch.long)
    model = Net(kind)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    start, training = time.time(), 0.0
    for epoch in range(3):
        t0 = time.time()
        perm = torch.randperm(len(x))
        for b in range(len(x) // 128):
            idx_b = perm[b * 128:(b + 1) * 128]
            opt.zero_grad()
            loss = loss_fn(model(x[idx_b]), y[idx_b])
            loss.backward()
            opt.step()
        train_s = time.time() - t0
        training += train_s
        with torch.no_grad():
            logits = model(tx)
            acc = (logits.argmax(1) == ty).float().mean().item()
            tl = loss_fn(logits, ty).item()
        print(f"epoch {epoch + 1}/3 test_accuracy={acc:.4f} test_loss={tl:.4f} ({train_s:.1f} s training, {len(x) // 128 * 128 / train_s:.0f} img/s)", flush=True)
    print(f"training {training:.1f} s, total with evaluation {time.time() - start:.1f} s, torch {torch.__version__}, {threads} threads")


if __name__ == "__main__":
    main()
