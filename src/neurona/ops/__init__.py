"""Every differentiable primitive: a Node with forward(arrays) and backward(grad arrays)."""
