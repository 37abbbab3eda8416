"""Small real files for attachment tests: PNG/JPEG images of a given size (Pillow) and PDFs of N pages."""

from __future__ import annotations

import io


def image(width: int = 64, height: int = 48, fmt: str = "PNG") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buf, fmt)
    return buf.getvalue()


def pdf(pages: int = 1) -> bytes:
    """A minimal, valid PDF with `pages` empty pages."""
    objs = ["<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{' '.join(f'{3 + i} 0 R' for i in range(pages))}] /Count {pages} >>"]
    objs += ["<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * pages
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def attachment(name: str = "chart.png", data: bytes | None = None, media_type: str | None = None) -> dict:
    data = image() if data is None else data
    kind = media_type or ("application/pdf" if name.endswith(".pdf") else "image/png")
    return {"name": name, "media_type": kind, "data": data}
