"""What a fitted VDAE does: encode, decode, and the two samplers (paper Algorithm 2 and the
Metropolis-adjusted latent walk), bursts and latent draws.

:class:`VDAEInference` is the base of :class:`vdae.VDAE`; it reads only fitted attributes
(``encoder_``, ``decoder_``, ``covariance_``, ``seeds_``, ``seed_labels_``, ``device_``,
``n_components_``, ``n_features_in_``), so fitting (:mod:`.training`) and using a model are
separate files.

Every sampler emits draws from the output law p_θ(x | z) (:mod:`.likelihood`: the decoder's mean
plus a Gaussian fitted to the training residuals of nearby seeds) with ``noise=True``, the default, or the decoder's
mean ψ_θ⁻¹(z) with ``noise=False``. The chains themselves move on latent points (or, in
Algorithm 2, on decoded means), so the output noise never compounds across steps, and the
residuals are drawn after the chain: ``noise=False`` gives the same chain as ``noise=True``
without its residuals.
"""

from __future__ import annotations

import numpy as np
import torch

from ..._torch import batched_apply, in_chunks, to_tensor
from ..._validation import check_array, check_finite_output, check_random_state
from ..base import GenerativeModel
from .anomaly import anomaly_scores, residual_variance
from .interpolation import graph_path, latent_path, seed_graph
from .likelihood import ResidualLaw
from .metropolis import metropolis_walk, step_shaped_density
from .random_walk import latent_step, random_walk, stratified_seed_rows

__all__ = ["VDAEInference"]


class VDAEInference(GenerativeModel):
    """Encoding, decoding and sampling of a fitted VDAE (see :class:`vdae.VDAE`)."""

    def _encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder_.encode(x)

    def _stepper(self, step_scale: float):
        """One Algorithm-2 transition x → ψ(x) → z' ~ N(ψ(x), s² C_φ(x)) → ψ_θ⁻¹(z')."""
        s = self._check_scale(step_scale)

        def step(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
            z = self._encode(x)
            return self.decoder_(latent_step(z, s * self.covariance_(z), gen))

        return step

    @staticmethod
    def _check_scale(step_scale) -> float:
        if isinstance(step_scale, bool) or not isinstance(step_scale, (int, float, np.number)) \
                or not np.isfinite(step_scale):
            raise TypeError(f"step_scale must be a positive real number; got {step_scale!r}.")
        if step_scale <= 0:
            raise ValueError(f"step_scale must be > 0; got {step_scale!r}.")
        return float(step_scale)

    def transform(self, X) -> np.ndarray:
        """Embed ``X`` in diffusion coordinates with the fitted encoder ψ.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Points in data units.

        Returns
        -------
        ndarray of shape (n_samples, n_components_), float32
            The diffusion coordinates ψ(X) (eigenvectors scaled by λ^t; unitless).

        Raises
        ------
        NotFittedError
            If the model is not fitted.
        ValueError
            If ``X`` has the wrong number of columns or non-finite entries.

        See Also
        --------
        inverse_transform : The decoder ψ_θ⁻¹, from diffusion coordinates back to data.
        """
        X = self._check_X(X)
        with torch.no_grad():
            return check_finite_output(batched_apply(self._encode, X, self.device_), "X")

    def inverse_transform(self, Z) -> np.ndarray:
        """Decode diffusion coordinates with the decoder's mean ψ_θ⁻¹.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_components_)
            Points in diffusion coordinates (as returned by :meth:`transform`).

        Returns
        -------
        ndarray of shape (n_samples, n_features_in_), float32
            The decoded points ψ_θ⁻¹(Z) in data units (the decoder's mean, without the
            output law's residual).

        Raises
        ------
        NotFittedError
            If the model is not fitted.
        ValueError
            If ``Z`` does not have ``n_components_`` columns or is not finite.
        """
        self._check_fitted()
        Z = check_array(Z, "Z", n_features=self.n_components_)
        with torch.no_grad():
            return check_finite_output(batched_apply(self.decoder_, Z, self.device_), "Z")

    _CHAINS = ("paper", "metropolis")
    _DENSITY_POINTS = 20000

    def _check_chain(self, chain) -> str:
        if chain not in self._CHAINS:
            raise ValueError(f"chain must be one of {self._CHAINS}; got {chain!r}.")
        return chain

    def _build_sampling_laws(self) -> None:
        """What the samplers read, built by ``fit`` and ``load`` from the fitted modules and
        ``seeds_``: ``latent_density_`` and ``residual_law_``."""
        self._build_latent_density()
        seeds = to_tensor(self.seeds_, self.device_)
        self.residual_law_ = ResidualLaw.from_points(seeds, self._encode, self.decoder_,
                                                     self.residual_neighbors)

    def _build_latent_density(self) -> None:
        """``latent_density_``, the Metropolis walk's target (:func:`step_shaped_density`) at up
        to 20 000 seeds (a fixed subsample, so a loaded model has the same target)."""
        rng = np.random.default_rng(0)
        n = len(self.seeds_)
        keep = np.sort(rng.choice(n, min(n, self._DENSITY_POINTS), replace=False))
        Z = to_tensor(self.transform(self.seeds_[keep]), self.device_)
        labels = torch.as_tensor(self.seed_labels_[keep].astype(np.int64), device=self.device_)
        self.latent_density_ = step_shaped_density(Z, labels, self.covariance_)

    @staticmethod
    def _check_noise(noise) -> bool:
        if not isinstance(noise, (bool, np.bool_)):
            raise TypeError(f"noise must be True or False; got {noise!r}.")
        return bool(noise)

    def _emit(self, x_mean: torch.Tensor, z: torch.Tensor | None, gen: torch.Generator,
              noise: bool) -> torch.Tensor:
        """Points to return: the decoder's means x_mean (b, m) at latent points z (b, D; None:
        ψ(x_mean)), plus a residual drawn from p_θ(x | z) when ``noise``."""
        if not noise:
            return x_mean
        with torch.no_grad():
            z = self._encode(x_mean) if z is None else z
            return x_mean + self.residual_law_.draw(z, gen)

    def metropolis_walk(self, X0, n_steps: int, random_state=None, *,
                        step_scale: float = 1.0, jump_kernels: int = 0, noise: bool = True
                        ) -> tuple[np.ndarray, float]:
        """Run Metropolis-adjusted latent chains from each row of ``X0`` (beyond the paper).

        The proposals of Algorithm 2, z' ~ N(z, s² C_φ(z)), accepted or rejected in diffusion
        coordinates against ``latent_density_`` (:mod:`vdae.models.vdae.metropolis`) and
        decoded only for output, so its stationary law does not drift with the number of
        steps. ``random_walk(..., chain="metropolis")`` returns the same trajectory.

        Parameters
        ----------
        X0 : array-like of shape (n_chains, n_features_in_)
            Seeds in data units, one chain per row.
        n_steps : int ≥ 0
            Number of Metropolis steps of each chain.
        random_state : int, Generator or None, default=None
            Seed of the proposals and of the acceptance draws.
        step_scale : float > 0, default=1
            Scale s of the proposals z' ~ N(z, s² C_φ(z)) (as in :meth:`random_walk`).
        jump_kernels : int ≥ 0, default=0
            With k > 0, every other step (on average) is a jump to one of the k kernels nearest to
            the state (:func:`vdae.models.vdae.metropolis.metropolis_walk`), which keeps the
            same stationary law but moves far more in many diffusion coordinates. On MNIST
            (10 000 images, D = 13, 300 test seeds) local steps were accepted 11% of the time
            and the decoded state did not change from step 1 to 5; with k = 10 (jumps only)
            49% were accepted and the state moved 0.43 of a test image's distance to its 10th
            nearest same-class training image (``experiments/benchmarks/mnist_walks.py``).
        noise : bool, default=True
            Emit draws from p_θ(x | z) (:mod:`vdae.models.vdae.likelihood`); False: the
            decoder's mean. The chain is the same either way.

        Returns
        -------
        trajectory : ndarray of shape (n_steps + 1, n_chains, n_features_in_), float32
            The chains' states in data units; ``trajectory[0]`` is ``X0``.
        acceptance_rate : float
            Fraction of proposals accepted, in [0, 1] (NaN when ``n_steps`` is 0).

        See Also
        --------
        random_walk : The same chain with ``chain="metropolis"``, without the rate.

        Examples
        --------
        >>> from vdae import VDAE
        >>> from vdae.datasets import make_circle
        >>> X = make_circle(300, random_state=0).X
        >>> model = VDAE(2, prior="exact", epochs=20, random_state=0, verbose=0).fit(X)
        >>> trajectory, rate = model.metropolis_walk(X[:4], 5, random_state=0)
        >>> trajectory.shape, 0 <= rate <= 1
        ((6, 4, 2), True)
        """
        X0 = self._check_X(X0, "X0")
        n_steps = self._check_steps(n_steps)
        return self._metropolis_trajectory(X0, n_steps, self._sampling_generator(random_state),
                                           step_scale, self._check_jumps(jump_kernels),
                                           self._check_noise(noise))

    @staticmethod
    def _check_jumps(jump_kernels) -> int:
        if isinstance(jump_kernels, bool) or not isinstance(jump_kernels, (int, np.integer)):
            raise TypeError(f"jump_kernels must be an int >= 0; got {jump_kernels!r}.")
        if jump_kernels < 0:
            raise ValueError(f"jump_kernels must be >= 0; got {jump_kernels!r}.")
        return int(jump_kernels)

    def _metropolis_trajectory(self, X0: np.ndarray, n_steps: int, gen: torch.Generator,
                               step_scale: float, jumps: int = 0, noise: bool = True
                               ) -> tuple[np.ndarray, float]:
        states, rate = self._metropolis_states(X0, n_steps, gen, step_scale, jumps)
        with torch.no_grad():
            traj = [to_tensor(X0, self.device_)] + [
                self._emit(self.decoder_(z), z, gen, noise) for z in states[1:]]
        return check_finite_output(torch.stack(traj).cpu().numpy(), "X0"), rate

    def _metropolis_states(self, X0: np.ndarray, n_steps: int, gen: torch.Generator,
                           step_scale: float, jumps: int = 0) -> tuple[list[torch.Tensor], float]:
        s = self._check_scale(step_scale)
        with torch.no_grad():
            z0 = to_tensor(self.transform(X0), self.device_)
            return metropolis_walk(z0, self.covariance_, self.latent_density_, n_steps, gen,
                                   scale=s, jump_kernels=jumps)

    def random_walk(self, X0, n_steps: int, random_state=None, *, step_scale: float = 1.0,
                    chain: str = "paper", noise: bool = True) -> np.ndarray:
        """Run random-walk chains x_{t+1} ~ p(x | x_t) from each row of ``X0`` (Algorithm 2).

        Parameters
        ----------
        X0 : array-like of shape (n_chains, n_features_in_)
            Seeds (points on or near the data manifold), in data units; one chain per row.
        n_steps : int ≥ 0
            Number of steps of each chain.
        random_state : int, Generator or None, default=None
            Seed of the latent steps and output residuals.
        step_scale : float > 0, default=1
            The scale s: latent steps are drawn from N(ψ(x), s² C_φ(x)) — the sampling-time
            counterpart of α (s² ≈ refitting with α·s²), trading mixing speed against precision:
            the decoder was trained on steps of scale 1, so s ≫ 1 leaves the region it knows.
        chain : {"paper", "metropolis"}, default="paper"
            "paper": Algorithm 2, re-encoding every decoded point. "metropolis" (beyond the
            paper, :mod:`vdae.models.vdae.metropolis`): the same proposals, made and accepted or rejected in
            diffusion coordinates with a mixture of Gaussians at the training points'
            embeddings, shaped like the local steps, as the target, and decoded only for output;
            its stationary law does not drift with the number of steps (the default of
            :meth:`sample`); :meth:`metropolis_walk` also returns its acceptance rate.
        noise : bool, default=True
            Emit draws from p_θ(x | z) (:mod:`vdae.models.vdae.likelihood`) at every step after
            the seed; False: the decoder's means. The chain moves on the means either way, so
            the residuals do not compound.

        Returns
        -------
        ndarray of shape (n_steps + 1, n_chains, n_features_in_), float32
            The chains in data units; ``[0]`` is ``X0``, ``[t]`` the states after t steps.

        Raises
        ------
        ValueError
            If ``chain`` is unknown, ``step_scale`` ≤ 0, ``n_steps`` < 0, or ``X0`` has the
            wrong number of columns.

        See Also
        --------
        sample : Independent draws, each the end of a chain from a random seed.
        burst : Many single steps from one point.

        Examples
        --------
        >>> from vdae import VDAE
        >>> from vdae.datasets import make_circle
        >>> X = make_circle(300, random_state=0).X
        >>> model = VDAE(2, prior="exact", epochs=20, random_state=0, verbose=0).fit(X)
        >>> walk = model.random_walk(X[:3], n_steps=10, random_state=0)
        >>> walk.shape
        (11, 3, 2)
        >>> bool((walk[0] == X[:3]).all())
        True
        """
        X0 = self._check_X(X0, "X0")
        n_steps = self._check_steps(n_steps)
        chain = self._check_chain(chain)
        noise = self._check_noise(noise)
        gen = self._sampling_generator(random_state)
        if chain == "metropolis":
            return self._metropolis_trajectory(X0, n_steps, gen, step_scale, noise=noise)[0]
        traj = random_walk(self._stepper(step_scale), to_tensor(X0, self.device_), n_steps, gen)
        traj = torch.stack([traj[0]] + [self._emit(x, None, gen, noise) for x in traj[1:]])
        return check_finite_output(traj.cpu().numpy(), "X0")

    def sample(self, n_samples: int, *, n_steps: int = 10, random_state=None,
               step_scale: float = 1.0, chain: str = "metropolis",
               jump_kernels: int = 0, noise: bool = True) -> np.ndarray:
        """Draw samples from the walk's stationary law: ``n_steps`` steps from data seeds.

        Seeds are drawn uniformly from ``seeds_`` (training points, themselves samples of the
        data distribution), so the chains start near stationarity and ``n_steps`` only has to
        decorrelate them from their seeds; 10 steps is the default (see the mixing benchmark).
        On a disconnected graph the chains never leave their seed's component, so the seeds are
        stratified by component (:func:`stratified_seed_rows`): each component gets
        ⌊n w⌋ or ⌈n w⌉ chains for its share w of the seeds, instead of a multinomial count whose
        noise alone moved GW ×1000 from 0.2 to 3–5 on two equal clusters (51–53 % of 1000
        independent draws in one cluster).
        ``step_scale`` and ``chain`` as in :meth:`random_walk`, except that ``chain`` defaults
        to "metropolis" here: its stationary law is fixed (the training embeddings, each
        blurred by a kernel shaped like the local step), so quality does not decay with
        ``n_steps``. The paper's walk (``chain="paper"``) has a state-dependent step covariance
        and therefore a stationary law that drifts from the data's: from 10 to 100 steps its
        GW ×1000 grew 1.1–2.3× on circle, torus and bunny (n = 2000, seeds 0 and 1), while the
        Metropolis chain's stayed within GW's noise (``benchmarks/vdae_quality.py`` prints
        both). ``jump_kernels`` (Metropolis chain only) as in :meth:`metropolis_walk`.

        ``noise=True`` (the default) draws each sample from the output law p_θ(x | z) at the
        chain's last latent point (:mod:`vdae.models.vdae.likelihood`), so samples of noisy
        data have the data's spread across the manifold; ``noise=False`` returns the decoder's
        mean ψ_θ⁻¹(z), a point on the learned manifold.

        Parameters
        ----------
        n_samples : int ≥ 1
            Number of samples (one chain each).
        n_steps : int ≥ 0, default=10
            Steps of each chain from its seed.
        random_state : int, Generator or None, default=None
            Seed of the seeds' choice, the steps and the output residuals.
        step_scale : float > 0, default=1
            Scale s of the latent steps, as in :meth:`random_walk`.
        chain : {"metropolis", "paper"}, default="metropolis"
            The Metropolis-adjusted latent chain, or the paper's Algorithm 2.
        jump_kernels : int ≥ 0, default=0
            Kernel jumps of the Metropolis chain, as in :meth:`metropolis_walk`.
        noise : bool, default=True
            Draw from the output law p_θ(x | z); False: the decoder's mean.

        Returns
        -------
        ndarray of shape (n_samples, n_features_in_), float32
            The samples in data units.

        Raises
        ------
        NotFittedError
            If the model is not fitted.
        ValueError
            If a count is out of range or ``chain`` is unknown.

        See Also
        --------
        random_walk : The whole chains from given seeds.

        Examples
        --------
        >>> from vdae import VDAE
        >>> from vdae.datasets import make_circle
        >>> X = make_circle(300, random_state=0).X
        >>> model = VDAE(2, prior="exact", epochs=20, random_state=0, verbose=0).fit(X)
        >>> samples = model.sample(100, random_state=0)
        >>> samples.shape
        (100, 2)
        """
        self._check_fitted()
        n_samples = self._check_count(n_samples)
        n_steps = self._check_steps(n_steps)
        chain = self._check_chain(chain)
        jumps = self._check_jumps(jump_kernels)
        noise = self._check_noise(noise)
        rng = check_random_state(random_state)
        gen = self._sampling_generator(rng)
        seeds = self.seeds_[stratified_seed_rows(self.seed_labels_, n_samples, rng)]
        if chain == "metropolis":
            def draw(start: int, stop: int) -> torch.Tensor:
                z = self._metropolis_states(seeds[start:stop], n_steps, gen, step_scale,
                                            jumps)[0][-1]
                return self._emit(self.decoder_(z), z, gen, noise)
        else:
            step = self._stepper(step_scale)

            def draw(start: int, stop: int) -> torch.Tensor:
                x = random_walk(step, to_tensor(seeds[start:stop], self.device_), n_steps, gen,
                                keep_trajectory=False)
                return self._emit(x, None, gen, noise)
        return check_finite_output(in_chunks(draw, n_samples), "seeds")

    def burst(self, x, n_samples: int, random_state=None, *, step_scale: float = 1.0,
              noise: bool = True) -> np.ndarray:
        """Draw single steps x' ~ p(x' | x) from one point (paper Fig. 4 d–f).

        Parameters
        ----------
        x : array-like of shape (n_features_in_,) or (1, n_features_in_)
            The point, in data units.
        n_samples : int ≥ 1
            Number of independent steps.
        random_state : int, Generator or None, default=None
            Seed of the steps and residuals.
        step_scale : float > 0, default=1
            As in :meth:`random_walk`.
        noise : bool, default=True
            Draw x' from p_θ(x' | z') (:mod:`vdae.models.vdae.likelihood`); False: the
            decoder's mean ψ_θ⁻¹(z').

        Returns
        -------
        ndarray of shape (n_samples, n_features_in_), float32
            The steps' end points in data units.

        Raises
        ------
        ValueError
            If ``x`` has more than one row or the wrong number of columns.

        Examples
        --------
        >>> from vdae import VDAE
        >>> from vdae.datasets import make_circle
        >>> X = make_circle(300, random_state=0).X
        >>> model = VDAE(2, prior="exact", epochs=20, random_state=0, verbose=0).fit(X)
        >>> model.burst(X[0], 50, random_state=0).shape
        (50, 2)
        """
        self._check_fitted()
        x = check_array(x, "x", n_features=self.n_features_in_, allow_1d_sample=True,
                        owner=type(self).__name__)
        if x.shape[0] != 1:
            raise ValueError(f"x must be a single point; got {x.shape[0]} rows.")
        n_samples = self._check_count(n_samples)
        noise = self._check_noise(noise)
        s = self._check_scale(step_scale)
        gen = self._sampling_generator(random_state)
        X0 = to_tensor(np.repeat(x, n_samples, axis=0), self.device_)
        with torch.no_grad():
            z = self._encode(X0)
            z_new = latent_step(z, s * self.covariance_(z), gen)
            out = self._emit(self.decoder_(z_new), z_new, gen, noise)
        return check_finite_output(out.cpu().numpy(), "x")

    def latent_sample(self, n_samples: int, *, random_state=None) -> np.ndarray:
        """Draw latent points: ψ of seeds drawn from ``seeds_`` (the data's embedding).

        The VDAE's latent law is the embedding of the data; seeds are drawn without replacement
        while ``n_samples`` ≤ the number of seeds, with replacement above.

        Parameters
        ----------
        n_samples : int ≥ 1
            Number of latent points.
        random_state : int, Generator or None, default=None
            Seed of the seeds' choice.

        Returns
        -------
        ndarray of shape (n_samples, n_components_), float32
            The latent points, in diffusion coordinates.
        """
        self._check_fitted()
        n_samples = self._check_count(n_samples)
        rng = check_random_state(random_state)
        n = len(self.seeds_)
        rows = rng.choice(n, n_samples, replace=n_samples > n)
        return self.transform(self.seeds_[np.sort(rows)])

    # ------------------------------------------------ paths and scores (beyond the paper)
    def interpolate(self, a, b, n_points: int = 10, *, smoothing: float = 1.0) -> np.ndarray:
        """A path from ``a`` to ``b`` along the data manifold, decoded by the mean decoder.

        The shortest path between the seeds nearest to a and b on the seeds' k-nearest-neighbour
        graph (k = ``n_neighbors``), smoothed in diffusion coordinates with ψ(a) and ψ(b) at its
        ends, resampled to ``n_points`` equally spaced by arc length there, and decoded:
        :mod:`vdae.models.vdae.interpolation`. Unlike a straight line (in the data space or the
        latent space) it does not cut through regions without data.

        Parameters
        ----------
        a, b : array-like of shape (n_features,) or (1, n_features)
            The ends, data units.
        n_points : int ≥ 2, default=10
            Points on the path, ends included.
        smoothing : float ≥ 0, default=1
            Width of the smoothing filter along the path, in median graph hops (0: the graph
            path itself, resampled).

        Returns
        -------
        ndarray of shape (n_points, n_features_in_)
            The decoded path ψ_θ⁻¹(z_0), …, ψ_θ⁻¹(z_{n−1}); the first and last rows are
            ψ_θ⁻¹(ψ(a)) and ψ_θ⁻¹(ψ(b)), the projections of a and b onto the learned manifold.

        Raises
        ------
        ValueError
            When a or b is not a single finite point of ``n_features_in_`` coordinates, when
            ``n_points`` < 2 or ``smoothing`` < 0, or when b's nearest seed lies in another
            component of the affinity graph than a's (no path along the data joins them).
        TypeError
            When ``n_points`` is not an int or ``smoothing`` not a real number.

        Examples
        --------
        >>> import numpy as np
        >>> from vdae import VDAE
        >>> from vdae.datasets import make_circle
        >>> X = make_circle(300, random_state=0).X
        >>> model = VDAE(2, prior="exact", epochs=20, random_state=0, verbose=0).fit(X)
        >>> path = model.interpolate(X[0], X[150], n_points=8)
        >>> path.shape
        (8, 2)
        >>> radii = np.linalg.norm(path - X.mean(0), axis=1)  # on the circle, not across it
        >>> bool(radii.min() > 0.5 * np.linalg.norm(X - X.mean(0), axis=1).mean())
        True
        """
        self._check_fitted()
        ends = [self._check_point(p, name) for p, name in ((a, "a"), (b, "b"))]
        n_points = self._check_int_param(n_points, "n_points", 2)
        if isinstance(smoothing, bool) or not isinstance(smoothing, (int, float, np.number)) \
                or not np.isfinite(smoothing):
            raise TypeError(f"smoothing must be a real number >= 0; got {smoothing!r}.")
        if smoothing < 0:
            raise ValueError(f"smoothing must be >= 0; got {smoothing!r}.")
        ia, ib = (int(np.argmin(np.square(self.seeds_ - p).sum(1))) for p in ends)
        la, lb = self.seed_labels_[ia], self.seed_labels_[ib]
        path = graph_path(self._seed_graph(), ia, ib) if la == lb else None
        if path is None:
            raise ValueError(
                f"b lies in another component of the training data's graph than a (components "
                f"{int(lb)} and {int(la)} of the seeds nearest to them): no path along the data "
                f"joins them; choose b in a's component.")
        Z = self.transform(np.concatenate([ends[0], self.seeds_[path], ends[1]]))
        return self.inverse_transform(latent_path(Z, n_points, float(smoothing)).astype(np.float32))

    def _check_point(self, x, name: str) -> np.ndarray:
        """One point of ``n_features_in_`` coordinates as an array of shape (1, n_features_in_)."""
        x = check_array(x, name, n_features=self.n_features_in_, allow_1d_sample=True,
                        owner=type(self).__name__)
        if x.shape[0] != 1:
            raise ValueError(f"{name} must be a single point; got {x.shape[0]} rows.")
        return x

    @staticmethod
    def _check_int_param(value, name: str, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an int >= {minimum}; got {value!r}.")
        if value < minimum:
            raise ValueError(f"{name} must be >= {minimum}; got {value}.")
        return int(value)

    def _seed_graph(self):
        """The seeds' kNN graph (:func:`seed_graph`), built on first use and kept while
        ``seeds_`` is the same array."""
        cached = getattr(self, "_seed_graph_cache", None)
        if cached is None or cached[0] is not self.seeds_:
            cached = (self.seeds_, seed_graph(self.seeds_, self.n_neighbors))
            self._seed_graph_cache = cached
        return cached[1]

    def score_samples(self, X) -> np.ndarray:
        """Anomaly score of each row of X: higher is more typical.

        The log-density of the model "a point of the learned manifold plus an offset off it"
        (:mod:`vdae.models.vdae.anomaly`)::

            s(x) = log p̂(z) + log p_θ(x | z),   z = ψ(x),

        with p̂ the Metropolis walk's latent density (``latent_density_``) and p_θ(x | z) the
        samplers' output law (``residual_law_``: the decoder's mean plus a Gaussian of the
        residuals of the seeds nearest to z, with a small ridge). The first term is low where
        the data are sparse along the manifold, the second where x lies off it, measured
        against the training residuals' scale and direction there.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data units.

        Returns
        -------
        ndarray of shape (n_samples,), float32
            Log of a density in the data space (a point of the data scores higher than one a
            few training-residual scales off the manifold).

        Examples
        --------
        >>> import numpy as np
        >>> from vdae import VDAE
        >>> from vdae.datasets import make_circle
        >>> X = make_circle(300, random_state=0).X
        >>> model = VDAE(2, prior="exact", epochs=20, random_state=0, verbose=0).fit(X)
        >>> inside = X.mean(0, keepdims=True)  # the circle's centre, far off the manifold
        >>> s = model.score_samples(np.concatenate([X[:5], inside]))
        >>> bool(s[:5].min() > s[5])
        True
        """
        X = self._check_X(X)
        var = residual_variance(self.residual_law_.residuals)

        def score(x: torch.Tensor) -> torch.Tensor:
            return anomaly_scores(x, self._encode, self.decoder_, self.latent_density_,
                                  self.residual_law_, var)

        with torch.no_grad():
            return check_finite_output(batched_apply(score, X, self.device_), "X")
