"""Views of a Plan: JSON (canonical), human (terminal) and markdown (pull requests)."""

from reconciler.render.human import render_human
from reconciler.render.json_plan import plan_to_json, render_json
from reconciler.render.markdown import render_markdown

__all__ = ["plan_to_json", "render_human", "render_json", "render_markdown"]
