"""The server-rendered member area and admin area (Jinja2, own CSS, no CDN)."""
