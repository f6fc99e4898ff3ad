"""Reading the gettext catalogs (locale/<language>/LC_MESSAGES/*.po) for the translation tests and tools.

Enough of the PO format for what makemessages writes: comments, `#,` flags, msgctxt, msgid, msgid_plural,
msgstr / msgstr[n] and continued "..." lines; obsolete `#~` entries are skipped.
"""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

# %(name)s / %(count)d, a bare %s / %d, and {name} (format_lazy); "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]|\{\w*\}")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        return self.msgctxt, self.msgid

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr)


def read_po(path: Path) -> list[Entry]:
    """The catalog's entries, header (empty msgid) excluded."""
    entries, entry, target = [], Entry(), None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry.msgid:
                entries.append(entry)
            entry, target = Entry(), None
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#:"):
            entry.references += line[2:].split()
        elif line.startswith("#"):
            continue
        else:
            keyword, _, rest = line.partition(" ")
            if line.startswith('"'):
                text = ast.literal_eval(line)
            else:
                text, target = ast.literal_eval(rest), keyword
            if target == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + text
            elif target in ("msgid", "msgid_plural"):
                setattr(entry, target, getattr(entry, target) + text)
            elif target.startswith("msgstr"):
                if not line.startswith('"'):
                    entry.msgstr.append("")
                entry.msgstr[-1] += text
    return entries


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))
