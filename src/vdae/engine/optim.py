"""Adam and its cosine learning-rate decay, without ``torch.optim``'s per-step machinery.

Every model here trains small networks for thousands of steps, where a step of
``torch.optim.Adam(fused=True)`` followed by ``LambdaLR`` costs 0.33 ms of which the update
kernel is 0.14 ms (a 6 → 256³ → 3 decoder and a 6 → 128² → 21 covariance network, 2 cores):
the rest is Python wrappers (profiling hooks, a grad-mode guard, the scheduler's step counter)
around the same kernel. Constructing any ``torch.optim`` optimiser also imports
``torch._dynamo`` (1.1–1.7 s on this machine, once per process). :class:`Adam` calls the same
fused kernel (``torch._fused_adam_``) directly, so a step gives the same numbers as
``torch.optim.Adam(fused=True)``, and keeps torch's ``state_dict`` layout, so checkpoints
written by either load into both. Where the fused kernel is unavailable it falls back to an
equivalent multi-tensor update.
"""

from __future__ import annotations

import math
from typing import Iterable

import torch

__all__ = ["Adam", "CosineSchedule"]


class Adam:
    """Adam (Kingma and Ba 2015; no weight decay, no AMSGrad) over one group of parameters.

    Parameters
    ----------
    params : iterable of torch.Tensor
        The trained tensors (all on one device).
    lr : float > 0
        The step size; ``param_groups[0]["lr"]`` may be changed between steps (a schedule).
    betas : (float, float), default=(0.9, 0.999)
        Decay rates of the first and second moment estimates.
    eps : float, default=1e-8
        Added to the second moment's square root.

    Attributes
    ----------
    param_groups : list of one dict
        ``params`` (the tensors), ``lr``, ``initial_lr``, ``betas``, ``eps`` — as in
        ``torch.optim``, so code that sets a group's rate works unchanged.
    state : dict
        Per parameter (keyed by the tensor): ``step`` (a float32 scalar tensor), ``exp_avg``,
        ``exp_avg_sq``; empty before the first step.
    """

    def __init__(self, params: Iterable[torch.Tensor], lr: float,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        tensors = list(params)
        if not tensors:
            raise ValueError("params: the optimiser got an empty parameter list")
        self.param_groups = [{"params": tensors, "lr": float(lr), "initial_lr": float(lr),
                              "betas": (float(betas[0]), float(betas[1])), "eps": float(eps)}]
        self.state: dict[torch.Tensor, dict[str, torch.Tensor]] = {}
        self._fused = True

    @property
    def params(self) -> list[torch.Tensor]:
        """The trained tensors, in order."""
        return self.param_groups[0]["params"]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient (to None, or to zeros in place)."""
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    def _slots(self, p: torch.Tensor) -> dict[str, torch.Tensor]:
        slots = self.state.get(p)
        if slots is None:
            slots = self.state[p] = {
                "step": torch.zeros((), dtype=torch.float32, device=p.device),
                "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format)}
        return slots

    @torch.no_grad()
    def step(self) -> None:
        """One Adam update of every parameter that has a gradient."""
        group = self.param_groups[0]
        params = [p for p in self.params if p.grad is not None]
        if not params:
            return
        slots = [self._slots(p) for p in params]
        grads = [p.grad for p in params]
        avg, sq, steps = ([s[k] for s in slots] for k in ("exp_avg", "exp_avg_sq", "step"))
        torch._foreach_add_(steps, 1)
        beta1, beta2 = group["betas"]
        if self._fused:
            try:
                torch._fused_adam_(params, grads, avg, sq, [], steps, amsgrad=False,
                                   lr=group["lr"], beta1=beta1, beta2=beta2, weight_decay=0.0,
                                   eps=group["eps"], maximize=False)
                return
            except (RuntimeError, NotImplementedError, AttributeError):
                self._fused = False  # this device or build has no fused kernel
        _multi_tensor_adam(params, grads, avg, sq, steps, group["lr"], beta1, beta2,
                           group["eps"])

    def state_dict(self) -> dict:
        """``torch.optim``'s layout: {"state": {index: slots}, "param_groups": [group]} with
        the parameters replaced by their indices."""
        group = {k: v for k, v in self.param_groups[0].items() if k != "params"}
        group.update(weight_decay=0.0, amsgrad=False, maximize=False, foreach=None,
                     capturable=False, differentiable=False, fused=self._fused,
                     decoupled_weight_decay=False, params=list(range(len(self.params))))
        state = {i: dict(self.state[p]) for i, p in enumerate(self.params) if p in self.state}
        return {"state": state, "param_groups": [group]}

    def load_state_dict(self, state_dict: dict) -> None:
        """Inverse of :meth:`state_dict` (also reads a ``torch.optim.Adam``'s)."""
        groups = state_dict["param_groups"]
        if len(groups) != 1 or len(groups[0]["params"]) != len(self.params):
            raise ValueError("state_dict: its parameter groups do not match this optimiser's "
                             f"one group of {len(self.params)} tensors")
        saved = groups[0]
        group = self.param_groups[0]
        for key in ("lr", "initial_lr", "eps"):
            if key in saved:
                group[key] = float(saved[key])
        if "betas" in saved:
            group["betas"] = (float(saved["betas"][0]), float(saved["betas"][1]))
        self.state = {}
        for index, slots in state_dict["state"].items():
            p = self.params[int(index)]
            self.state[p] = {
                "step": torch.as_tensor(slots["step"], dtype=torch.float32).to(p.device),
                "exp_avg": torch.as_tensor(slots["exp_avg"]).to(p.device, p.dtype),
                "exp_avg_sq": torch.as_tensor(slots["exp_avg_sq"]).to(p.device, p.dtype)}


def _multi_tensor_adam(params, grads, avg, sq, steps, lr: float, beta1: float, beta2: float,
                       eps: float) -> None:
    """Adam's update with one multi-tensor operation per stage (the fused kernel's numbers up to
    float rounding)."""
    torch._foreach_lerp_(avg, grads, 1 - beta1)
    torch._foreach_mul_(sq, beta2)
    torch._foreach_addcmul_(sq, grads, grads, 1 - beta2)
    for p, m, v, t in zip(params, avg, sq, steps):
        k = float(t)
        denom = (v.sqrt() / math.sqrt(1 - beta2 ** k)).add_(eps)
        p.addcdiv_(m, denom, value=-lr / (1 - beta1 ** k))


class CosineSchedule:
    """Cosine decay of an optimiser's rate from its ``initial_lr`` to ``final_ratio`` × it over
    ``n_steps`` steps (constant afterwards).

    Call :meth:`step` after every optimiser step. ``last_epoch`` is the number of steps taken
    (set it when resuming; the rate is then recomputed at the next :meth:`step`).

    Parameters
    ----------
    optimizer : Adam or torch.optim.Optimizer
    n_steps : int
    final_ratio : float, default=0.02
    """

    def __init__(self, optimizer, n_steps: int, final_ratio: float = 0.02) -> None:
        self.optimizer, self.n_steps, self.final_ratio = optimizer, int(n_steps), final_ratio
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.last_epoch = 0
        self._apply()

    def factor(self, step: int) -> float:
        """The rate at ``step`` relative to the initial one."""
        frac = min(step / max(self.n_steps, 1), 1.0)
        return self.final_ratio + (1 - self.final_ratio) * 0.5 * (1 + math.cos(math.pi * frac))

    def _apply(self) -> None:
        f = self.factor(self.last_epoch)
        for group in self.optimizer.param_groups:
            group["lr"] = group["initial_lr"] * f

    def step(self) -> None:
        """Advance one step and set the rate of the next."""
        self.last_epoch += 1
        self._apply()
