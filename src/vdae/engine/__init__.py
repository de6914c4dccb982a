"""Training machinery shared by every model: the optimisation loop, checkpoints, and
multi-process (torch.distributed) helpers. No model maths lives here."""
