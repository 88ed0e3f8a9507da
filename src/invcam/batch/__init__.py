"""``invcam batch``: find the stacks under a folder and fit each (locally or with Ray)."""

from invcam.batch.discover import Job, find_stacks
from invcam.batch.run import load_state, plan, run_local, run_ray
from invcam.batch.summary import write_summary

__all__ = ["Job", "find_stacks", "load_state", "plan", "run_local", "run_ray", "write_summary"]
