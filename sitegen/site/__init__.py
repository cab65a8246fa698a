"""The site side of the pipeline: the content model laid out as pages of plain data
(`pages.py`), rendered through Jinja (`render.py`, templates and static files from
`theme.py`), with the files no template makes (`files.py`), the search index (`search.py`) and the
files the browser loads of it (`search_files.py`)."""
