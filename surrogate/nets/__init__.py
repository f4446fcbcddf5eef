"""Nets: architectures, the ReLU MLP, hand-built nets, scoring, ONNX and the model zoo (read side)."""
