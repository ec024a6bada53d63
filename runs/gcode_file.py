"""A run's G-code as a file: its name and its bytes, for the API's download and the run page's link.

The bytes are ``gcode_text`` encoded as UTF-8, exactly what ``gcode_sha256`` covers, so ``sha256sum`` of the
saved file prints the artifact's ``gcode_sha256``. The file extension is the post processor's: controllers
and their senders pick files by it (LinuxCNC's ``.ngc``, GRBL senders' ``.nc``, Mach3's ``.tap``). A toolpaths
result names its ``post``; runs recorded before posts were written for LinuxCNC. ``runs`` imports no other app,
so the table repeats ``toolpaths.posts.file_extension`` (a test keeps the two equal).
"""

DEFAULT_POST = "linuxcnc"
EXTENSIONS = {"linuxcnc": "ngc", "grbl": "nc", "mach3": "tap"}
CONTENT_TYPE = "text/plain; charset=utf-8"


def post_of(artifact) -> str:
    toolpaths = artifact.toolpaths if isinstance(artifact.toolpaths, dict) else {}
    post = toolpaths.get("post")
    return post if isinstance(post, str) and post in EXTENSIONS else DEFAULT_POST


def gcode_filename(artifact) -> str:
    return f"{artifact.run_id}.{EXTENSIONS[post_of(artifact)]}"


def gcode_bytes(artifact) -> bytes:
    return artifact.gcode_text.encode("utf-8")
