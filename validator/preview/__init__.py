"""The bill preview (SPEC §4): what the configuration would bill over a window.

`engine.run_preview` computes the preview document from a validated model and usage
files; `document` defines its shape; `render` (imported only for text, Markdown and
HTML output) formats it through Jinja templates. Nothing here is imported by
`billcheck validate`.
"""
