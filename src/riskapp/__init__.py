"""The Streamlit layer's shared helpers: schema-driven widgets, cached loaders, banners.

Pages stay thin: they read widgets built here, call ``risk``, and render.
"""
