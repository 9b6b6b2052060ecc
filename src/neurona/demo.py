"""Class 1's XOR network, trained with neurona's tensors and autograd (``python -m neurona.demo``).

The 2-2-1 network of the course's first class: 2 inputs, 2 sigmoid hidden units, 1 linear
output — 9 parameters. For a sample ``x`` (a row of ``X``)::

    Z⁽¹⁾ = W⁽¹⁾·x + b⁽¹⁾,   A⁽¹⁾ = σ(Z⁽¹⁾),   ŷ = W⁽²⁾·A⁽¹⁾ + b⁽²⁾

the loss is the mean of ``(y − ŷ)²`` over the four XOR points, and plain gradient descent
updates every parameter with ``W ← W − α·∇W L``. There is no ``nn`` module here: the
parameters are tensors with ``requires_grad=True``, ``loss.backward()`` fills their ``.grad``
and the update runs under ``no_grad``. The same code runs with ``import torch as nt``.

Exit code 0 when the final MSE is below 0.02, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import neurona as nt

TARGET_MSE = 0.02


def init_params(seed: int) -> list[nt.Tensor]:
    """W⁽¹⁾ (2×2), b⁽¹⁾ (2), W⁽²⁾ (1×2), b⁽²⁾ (1), each uniform in [−1, 1), seeded."""
    nt.manual_seed(seed)
    shapes = [(2, 2), (2,), (1, 2), (1,)]
    return [(nt.rand(*s) * 2 - 1).requires_grad_() for s in shapes]


def forward(params: Sequence[nt.Tensor], X: nt.Tensor) -> nt.Tensor:
    """ŷ for every row of ``X`` (the slide's per-sample forward pass, done for the batch)."""
    W1, b1, W2, b2 = params
    A1 = nt.sigmoid(X @ W1.T + b1)  # Z⁽¹⁾ = X·W⁽¹⁾ᵀ + b⁽¹⁾, A⁽¹⁾ = σ(Z⁽¹⁾)
    return A1 @ W2.T + b2  # ŷ = A⁽¹⁾·W⁽²⁾ᵀ + b⁽²⁾ (linear output)


def train(
    seed: int = 0, lr: float = 0.5, epochs: int = 2000, log_every: int = 200, verbose: bool = True
) -> tuple[list[nt.Tensor], float]:
    """Fit XOR by full-batch gradient descent; returns (parameters, final MSE)."""
    X = nt.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = nt.tensor([[0.0], [1.0], [1.0], [0.0]])
    params = init_params(seed)
    for epoch in range(epochs + 1):
        loss = ((Y - forward(params, X)) ** 2).mean()  # MSE = mean (y − ŷ)²
        if verbose and epoch % log_every == 0:
            print(f"  epoch {epoch:5d}   MSE {loss.item():.6f}")
        if epoch == epochs:
            break
        loss.backward()
        with nt.no_grad():
            for p in params:
                p -= lr * p.grad  # W ← W − α·∇W L
                p.grad = None
    return params, loss.item()


def main(argv: Sequence[str] | None = None) -> int:
    """Train, print the loss curve and the predictions; 0 if MSE < 0.02 was reached, else 1."""
    parser = argparse.ArgumentParser(description="XOR with a 2-2-1 network (class 1).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lr", type=float, default=0.5, help="learning rate α")
    parser.add_argument("--epochs", type=int, default=2000)
    args = parser.parse_args(argv)

    print("neurona — clase 1: XOR con una red 2-2-1 (sigmoide oculta, salida lineal)")
    t0 = time.perf_counter()
    params, mse = train(args.seed, args.lr, args.epochs)
    n_params = sum(p.numel() for p in params)
    print(f"\n{n_params} parameters, {args.epochs} epochs of gradient descent (α = {args.lr}), "
          f"seed {args.seed}, {time.perf_counter() - t0:.1f} s\n")

    X = nt.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    with nt.no_grad():
        pred = forward(params, X)
    print("  x1  x2   y    ŷ")
    for (x1, x2), y, yh in zip(X.tolist(), (0, 1, 1, 0), pred.flatten().tolist()):
        print(f"  {x1:.0f}   {x2:.0f}    {y}   {yh:+.4f}")

    ok = mse < TARGET_MSE
    mark = "✓" if ok else "✗"
    verdict = "alcanzado" if ok else "NO alcanzado"
    print(f"\n{mark} MSE final {mse:.6f} — objetivo MSE < {TARGET_MSE} {verdict} "
          f"(target {'reached' if ok else 'missed'})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
