"""Class 8, part 4 — reinforcement learning: REINFORCE with a baseline on CartPole-v1.

**The task.** Gymnasium's CartPole-v1: the state s = (cart position, cart velocity, pole angle,
pole angular velocity); the action pushes the cart left (0) or right (1); the reward is +1 per
step while the pole stays up (|angle| < 12°, |position| < 2.4), at most 500 steps. Gymnasium
calls it solved at an average return of 475.

**The policy** π_θ(a | s) = softmax(f_θ(s))_a, with f_θ an MLP 4 → 32 (tanh) → 2 logits. To act,
sample a ~ π_θ(· | s).

**Policy gradient (REINFORCE, Williams 1992).** The goal is J(θ) = E_τ~π_θ[Σ_t r_t]. The
log-derivative trick ∇_θ p_θ(τ) = p_θ(τ)·∇_θ log p_θ(τ) (the environment's dynamics do not
depend on θ) gives

    ∇_θ J = E_τ[ Σ_t ∇_θ log π_θ(a_t | s_t) · (G_t − b(s_t)) ],   G_t = Σ_{k ≥ t} γ^(k−t) r_k,

where G_t is the discounted return-to-go (γ = 0.99: an action is credited with what follows
it, not with what came before) and b(s_t) any **baseline** that does not depend on a_t: since
E_a[∇ log π(a | s)] = Σ_a ∇π(a | s) = ∇1 = 0, it leaves the gradient unbiased while reducing its
variance. We use a learned value b(s) = V_w(s) (MLP 4 → 32 → 1, fitted by MSE to G_t), and
scale the advantages A_t = G_t − V_w(s_t) by their standard deviation. After each episode,
Adam minimises the surrogate loss

    L(θ) = −(1/T) Σ_t log π_θ(a_t | s_t) · A_t     (A_t held constant),

whose gradient is the estimate above: actions that turned out better than expected become
more likely. Training stops when the last 20 episodes average ≥ 475 (solved).
"""

from __future__ import annotations

from typing import Any

import numpy as np

GAMMA = 0.99
HIDDEN = 32
SOLVED = 475.0
WINDOW = 20


def policy_net(fw: Any) -> Any:
    """s (4) → 32 (tanh) → 2 logits of π(left | s), π(right | s)."""
    nn = fw.nn
    return nn.Sequential(nn.Linear(4, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, 2))


def value_net(fw: Any) -> Any:
    """s (4) → 32 (tanh) → V(s), the baseline."""
    nn = fw.nn
    return nn.Sequential(nn.Linear(4, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, 1))


def returns_to_go(rewards: np.ndarray, gamma: float = GAMMA) -> np.ndarray:
    """G_t = r_t + γ·G_{t+1} (G_T = 0), computed backwards; float32 (T,)."""
    out = np.zeros(len(rewards), dtype=np.float32)
    g = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        g = rewards[t] + gamma * g
        out[t] = g
    return out


def action_probabilities(ctx: Any, policy: Any, states: np.ndarray) -> np.ndarray:
    """π(· | s) for states (N, 4) as a NumPy array (N, 2), outside the graph."""
    with ctx.fw.no_grad():
        return ctx.numpy(ctx.fw.softmax(policy(ctx.tensor(states)), dim=1)).copy()


def play(ctx: Any, env: Any, policy: Any, seed: int, rng: np.random.Generator | None) -> tuple[
        np.ndarray, np.ndarray, np.ndarray]:
    """One episode: actions sampled from π with ``rng`` (greedy, argmax, when ``rng`` is None).
    Returns the states (T, 4), actions (T,) and rewards (T,)."""
    obs, _ = env.reset(seed=seed)
    states, actions, rewards = [], [], []
    done = False
    while not done:
        p = action_probabilities(ctx, policy, obs[None].astype(np.float32))[0]
        a = int(p[1] > p[0]) if rng is None else int(rng.random() < p[1])
        states.append(obs)
        actions.append(a)
        obs, r, terminated, truncated, _ = env.step(a)
        rewards.append(float(r))
        done = terminated or truncated
    return np.asarray(states, np.float32), np.asarray(actions, np.int64), np.asarray(rewards, np.float32)


def reinforce_update(ctx: Any, policy: Any, value: Any, opt_pi: Any, opt_v: Any, states: np.ndarray,
                     actions: np.ndarray, rewards: np.ndarray) -> float:
    """One policy-gradient step on an episode (module docstring) and one MSE step of the
    baseline. Returns the surrogate loss."""
    F = ctx.F
    S, A, G = ctx.tensor(states), ctx.tensor(actions), ctx.tensor(returns_to_go(rewards))
    v = value(S).squeeze(1)
    adv = G - v.detach()
    adv = adv / (adv.std() + 1e-8) if len(rewards) > 1 else adv
    loss_v = F.mse_loss(v, G)
    opt_v.zero_grad()
    loss_v.backward()
    opt_v.step()
    log_pi = F.log_softmax(policy(S), dim=1).gather(1, A[:, None]).squeeze(1)
    loss = -(log_pi * adv).mean()
    opt_pi.zero_grad()
    loss.backward()
    opt_pi.step()
    return loss.item()


def run_reinforce(ctx: Any) -> None:
    """Train on CartPole-v1 until solved (or the episode budget), then play greedily."""
    import gymnasium as gym

    fw = ctx.fw
    policy = ctx.model("cartpole-policy", policy_net)
    value = ctx.model("cartpole-value", value_net)
    opt_pi = fw.optim.Adam(policy.parameters(), lr=1e-2)
    opt_v = fw.optim.Adam(value.parameters(), lr=1e-2)
    env = gym.make("CartPole-v1")
    env_seeds = ctx.rng("cartpole-env").integers(0, 2**31 - 1, 100_000)
    act_rng = ctx.rng("cartpole-actions")
    budget = ctx.pick(300, 1000)
    returns: list[float] = []
    for episode in ctx.iterate(range(budget), "CartPole", total=budget):
        states, actions, rewards = play(ctx, env, policy, int(env_seeds[episode]), act_rng)
        returns.append(float(rewards.sum()))
        reinforce_update(ctx, policy, value, opt_pi, opt_v, states, actions, rewards)
        if len(returns) >= WINDOW and np.mean(returns[-WINDOW:]) >= SOLVED:
            break
    last = float(np.mean(returns[-WINDOW:]))
    greedy = [float(play(ctx, env, policy, int(s), None)[2].sum()) for s in env_seeds[-5:]]
    env.close()
    solved = last >= SOLVED
    ctx.metric("cartpole_last20_mean", last)
    ctx.metric("cartpole_episodes", len(returns))
    ctx.metric("cartpole_solved", float(solved))
    ctx.metric("cartpole_greedy_mean", float(np.mean(greedy)))
    ctx.curve("cartpole_returns", returns)
    _figures(ctx, policy, returns)
    ctx.text("**Aprendizaje por refuerzo: REINFORCE en CartPole.** La política π_θ(a | s) es un MLP "
             "4 → 32 → 2 con softmax; para actuar se **muestrea** la acción. El gradiente de la política "
             "es `∇J = E[Σ_t ∇ log π(a_t | s_t) · (G_t − b(s_t))]`, con G_t el retorno descontado desde t "
             f"(γ = {GAMMA}) y b(s) una **línea de base** que no cambia el valor esperado del gradiente "
             "pero sí reduce su varianza; aquí b(s) = V(s), una segunda red ajustada por MSE a G_t. "
             "Tras cada episodio, Adam minimiza `−mean(log π(a_t|s_t) · A_t)` con A_t = G_t − V(s_t): las "
             "acciones que salieron mejor de lo esperado se vuelven más probables. "
             + (f"**Resuelto** en {len(returns)} episodios: " if solved else
                f"Tras {len(returns)} episodios, ")
             + f"los últimos {WINDOW} promedian {last:.0f} (máximo 500; Gymnasium lo da por resuelto en "
             f"475). Jugando sin azar (la acción más probable), 5 episodios nuevos promedian "
             f"{np.mean(greedy):.0f}.")


def _figures(ctx: Any, policy: Any, returns: list[float]) -> None:
    plt = ctx.plt()
    fig, ax = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1.5, 1]})
    r = np.asarray(returns)
    ax[0].plot(np.arange(1, len(r) + 1), r, lw=0.8, alpha=0.6, label="retorno del episodio")
    if len(r) >= WINDOW:
        avg = np.convolve(r, np.ones(WINDOW) / WINDOW, "valid")
        ax[0].plot(np.arange(WINDOW, len(r) + 1), avg, lw=2.2, label=f"media de {WINDOW} episodios")
    ax[0].axhline(SOLVED, color="tab:green", ls="--", lw=1, label="resuelto (475)")
    ax[0].set_ylim(0, 520)
    ax[0].set_xlabel("episodio")
    ax[0].set_ylabel("retorno (pasos en pie)")
    ax[0].set_title("REINFORCE con línea de base en CartPole-v1")
    ax[0].legend(fontsize=8, loc="upper left")
    ang = np.linspace(-0.21, 0.21, 61)
    vel = np.linspace(-2.0, 2.0, 61)
    aa, vv = np.meshgrid(ang, vel)
    s = np.zeros((aa.size, 4), np.float32)
    s[:, 2], s[:, 3] = aa.ravel(), vv.ravel()
    p_right = action_probabilities(ctx, policy, s)[:, 1].reshape(aa.shape)
    im = ax[1].contourf(np.degrees(aa), vv, p_right, levels=np.linspace(0, 1, 11), cmap="coolwarm")
    fig.colorbar(im, ax=ax[1], label="π(derecha | s)")
    ax[1].set_xlabel("ángulo del palo (°)")
    ax[1].set_ylabel("velocidad angular (rad/s)")
    ax[1].set_title("La política aprendida (carro quieto en el centro)", fontsize=10)
    fig.tight_layout()
    ctx.figure("cartpole", fig, "Retorno por episodio y la probabilidad de empujar a la derecha según el "
               "ángulo y la velocidad angular del palo.")
