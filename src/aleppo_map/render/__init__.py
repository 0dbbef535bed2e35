"""Renderers: static frames, animations, contact sheets, charts and the HTML explorer."""
