#!/usr/bin/python3
"""Makes the PyTorch-exported ONNX fixtures netc's import tests read, with reference inputs and outputs.

Run with Debian's python3-torch (1.13), whose torch.onnx.export needs no onnx package:
    /usr/bin/python3 onnx/src/test/resources/pytorch/make_fixtures.py
It writes, next to itself, NAME.onnx, NAME_input.npy and NAME_output.npy for
  mlp            Linear-ReLU-Linear-Tanh-Linear (Gemm nodes), opset 13
  cnn            Conv-ReLU-MaxPool, Conv-ReLU, Flatten, Linear (the import test also trains it), opset 17
  resnet_bn      a residual CNN whose BatchNormalization nodes are kept, GlobalAveragePool head, opset 17
  resnet_folded  the same weights with batch norm folded into the convolutions (PyTorch's default export)
  cnn_view       a CNN flattened with x.view(x.size(0), -1): Shape, Gather, Unsqueeze, Concat feeding Reshape
  stem           ResNet's stem (7x7/2 conv, batch norm, max pool 3x3/2 padded by 1), a GELU and a softmax head
Everything is seeded, so running it again gives the same files.
"""
import os
import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(x + self.bn2(self.conv2(h)))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 6, 3, stride=2, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(6)
        self.block = Residual(6)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        h = torch.relu(self.bn(self.stem(x)))
        h = self.block(h)
        return self.fc(torch.flatten(self.pool(h), 1))


class CnnView(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3, stride=2)
        self.fc = nn.Linear(3 * 5 * 5, 2)

    def forward(self, x):
        h = torch.sigmoid(self.conv(x))
        return self.fc(h.view(h.size(0), -1))


class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.maxpool(torch.relu(self.bn1(self.conv1(x))))
        x = nn.functional.gelu(self.conv2(x))
        return torch.softmax(self.fc(torch.flatten(self.pool(x), 1)), dim=1)


def mlp():
    return nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 5))


def cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 4 * 4, 3))


def resnet():
    model = ResNet()
    # moving statistics and affine parameters away from their initial 0/1, so batch norm matters
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return model


def export(name, model, shape, opset, keep_batch_norm=False):
    model.eval()
    x = torch.rand(*shape) * 2 - 1
    with torch.no_grad():
        y = model(x)
    mode = torch.onnx.TrainingMode.PRESERVE if keep_batch_norm else torch.onnx.TrainingMode.EVAL
    torch.onnx.export(model, x, os.path.join(HERE, name + ".onnx"), input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}}, opset_version=opset,
                      training=mode, do_constant_folding=not keep_batch_norm)
    np.save(os.path.join(HERE, name + "_input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(HERE, name + "_output.npy"), y.numpy().astype(np.float32))


if __name__ == "__main__":
    torch.manual_seed(0)
    export("mlp", mlp(), (4, 20), 13)
    torch.manual_seed(1)
    export("cnn", cnn(), (4, 1, 12, 12), 17)
    torch.manual_seed(2)
    net = resnet()
    export("resnet_bn", net, (4, 1, 12, 12), 17, keep_batch_norm=True)
    export("resnet_folded", net, (4, 1, 12, 12), 17)
    torch.manual_seed(3)
    export("cnn_view", CnnView(), (3, 1, 12, 12), 14)
    torch.manual_seed(4)
    stem = Stem()
    with torch.no_grad():
        stem.bn1.running_mean.uniform_(-0.5, 0.5)
        stem.bn1.running_var.uniform_(0.5, 2.0)
    export("stem", stem, (2, 3, 16, 16), 17)
