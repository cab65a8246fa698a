"""The content: captures read into dumps, dumps into the content model.

`dumps` chooses a reader for each capture's shape (`parse_lines`, with `text_links`
for the links in text, `parse_cards`, `parse_json`, `parse_html`, sharing `capture`'s
records); `model` merges the dumps' sightings into papers, with `slugs` for their URLs
and `topics` for their topics; `similar` finds each paper's nearest papers;
`topic_report` explains the topics to a curator.  Pure data and pure functions: nothing
here reads or writes a file.
"""
