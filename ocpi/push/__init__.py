"""Push as state synchronisation: each partner is brought up to date with the current state of what changed
since its cursor (see DESIGN.md, "Push at scale", and the spec's offline rule: no queued replays)."""

from ocpi.push.worker import PushWorker

__all__ = ["PushWorker"]
