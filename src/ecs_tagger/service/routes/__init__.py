"""The service's operations, one module per responsibility: :mod:`status` (health, ready, info,
areas), :mod:`tagging` (tag, tag-batch), :mod:`registry` (similar initiatives, projects, regions,
actors; with an index), :mod:`corrections` (with --allow-corrections) and :mod:`page` (the page
for people and the API's interactive documentation)."""
