#!/usr/bin/python3
"""Converts face-api's dlib face recogniser to ONNX, once, at set-up.

@vladmandic/face-api ships dlib's 128-d ResNet face recogniser
(dlib_face_recognition_resnet_model_v1) as TensorFlow.js weights: a manifest
naming each tensor and one binary holding them, most uint8-quantized
(value = q * scale + min). This script reads both and writes the same network
as an ONNX graph that OpenCV's dnn module runs. Nothing is trained or fetched.

The graph mirrors face-api's FaceRecognitionNet (itself a port of dlib's):
  conv 7x7/2 valid -> max pool 3x3/2 valid -> 3 residual blocks of 32,
  a strided residual block to 64 + 3, to 128 + 2, to 256 + 2, and one more
  strided 256 block -> global mean -> fully connected 256 -> 128.
Each conv's bias and following per-channel scale layer (y * w + b) are folded
into the conv's weights. A strided block adds an average-pooled, zero
channel-padded shortcut; when the conv output is smaller than the pooled
shortcut (3x3 vs 4x4, 1x1 vs 2x2) it is zero-padded at the bottom and right,
as dlib's add_prev does.

Input "input": 1x3x150x150 float, RGB, (pixel - mean RGB 122.782, 117.001,
104.298) / 256, an aligned 150x150 dlib face chip. Output "embedding": 1x128.

Usage: face_api_to_onnx.py MANIFEST.json WEIGHTS.bin OUT.onnx
"""
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def load_weights(manifest_path, bin_path):
    with open(manifest_path) as f:
        manifest = json.load(f)
    weights = {}
    for group in manifest:
        if len(group["paths"]) != 1:
            sys.exit(f"expected one weights file per group, the manifest names {group['paths']}")
        with open(bin_path, "rb") as f:
            blob = f.read()
        offset = 0
        for spec in group["weights"]:
            count = int(np.prod(spec["shape"]))
            quant = spec.get("quantization")
            if quant:
                if quant["dtype"] != "uint8":
                    sys.exit(f"unsupported quantization {quant['dtype']} for {spec['name']}")
                raw = np.frombuffer(blob, np.uint8, count, offset)
                value = raw.astype(np.float64) * quant["scale"] + quant["min"]
                offset += count
            else:
                value = np.frombuffer(blob, np.float32, count, offset)
                offset += 4 * count
            weights[spec["name"]] = value.astype(np.float32).reshape(spec["shape"])
        if offset != len(blob):
            sys.exit(f"weights file holds {len(blob)} bytes, the manifest describes {offset}")
    return weights


class Graph:
    def __init__(self, weights):
        self.w = weights
        self.nodes = []
        self.inits = []
        self.n = 0

    def name(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def const(self, base, array):
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op, inputs, **attrs):
        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def conv(self, x, prefix, stride, same, relu):
        filters = self.w[prefix + "/conv/filters"]  # HWIO
        bias = self.w[prefix + "/conv/bias"]
        scale_w = self.w[prefix + "/scale/weights"]
        scale_b = self.w[prefix + "/scale/biases"]
        kernel = filters.transpose(3, 2, 0, 1) * scale_w[:, None, None, None]  # OIHW
        k = filters.shape[0]
        pad = k // 2 if same else 0
        y = self.node("Conv", [x, self.const("w", kernel.astype(np.float32)),
                               self.const("b", (bias * scale_w + scale_b).astype(np.float32))],
                      kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4)
        return self.node("Relu", [y]) if relu else y

    def residual(self, x, prefix):
        y = self.conv(x, prefix + "/conv1", 1, True, True)
        y = self.conv(y, prefix + "/conv2", 1, True, False)
        return self.node("Relu", [self.node("Add", [y, x])])

    def residual_down(self, x, prefix, size, channels_in, channels_out):
        y = self.conv(x, prefix + "/conv1", 2, False, True)
        y = self.conv(y, prefix + "/conv2", 1, True, False)
        conv_size = (size - 3) // 2 + 1
        pooled_size = size // 2
        if conv_size != pooled_size:
            grow = pooled_size - conv_size
            y = self.node("Pad", [y], mode="constant", value=0.0,
                          pads=[0, 0, 0, 0, 0, 0, grow, grow])
        shortcut = self.node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
        if channels_out != channels_in:
            shortcut = self.node("Pad", [shortcut], mode="constant", value=0.0,
                                 pads=[0, 0, 0, 0, 0, channels_out - channels_in, 0, 0])
        return self.node("Relu", [self.node("Add", [y, shortcut])]), pooled_size


def build(weights):
    g = Graph(weights)
    x = g.conv("input", "conv32_down", 2, False, True)            # 150 -> 72
    x = g.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2])  # -> 35
    size = 35
    for i in (1, 2, 3):
        x = g.residual(x, f"conv32_{i}")
    x, size = g.residual_down(x, "conv64_down", size, 32, 64)
    for i in (1, 2, 3):
        x = g.residual(x, f"conv64_{i}")
    x, size = g.residual_down(x, "conv128_down", size, 64, 128)
    for i in (1, 2):
        x = g.residual(x, f"conv128_{i}")
    x, size = g.residual_down(x, "conv256_down", size, 128, 256)
    for i in (1, 2):
        x = g.residual(x, f"conv256_{i}")
    x, size = g.residual_down(x, "conv256_down_out", size, 256, 256)
    x = g.node("GlobalAveragePool", [x])
    x = g.node("Flatten", [x], axis=1)
    fc = weights["fc"].astype(np.float32).T  # [out, in]: OpenCV's Gemm wants transB
    g.nodes.append(helper.make_node(
        "Gemm", [x, g.const("fc", fc), g.const("fc_bias", np.zeros(fc.shape[0], np.float32))],
        ["embedding"], transB=1))
    graph = helper.make_graph(
        g.nodes, "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 150, 150])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, 128])], g.inits)
    model = helper.make_model(graph, producer_name="tdm face_api_to_onnx",
                              opset_imports=[helper.make_opsetid("", 9)])
    model.ir_version = 4
    onnx.checker.check_model(model)
    return model


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    model = build(load_weights(sys.argv[1], sys.argv[2]))
    onnx.save(model, sys.argv[3])


if __name__ == "__main__":
    main()
