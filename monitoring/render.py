"""Turns the monitoring definitions in this folder into the files gcloud reads; deploy.sh's only helper besides gcloud.

Standard library only, and no import of shared/: it runs on the deployer's machine with whatever python3 is there.

    python3 monitoring/render.py metrics SRC OUT_DIR            one LogMetric file per metric; prints their names
    python3 monitoring/render.py fill SRC DST [--set K=V]... [--channel NAME]...
                                                            fills ${K} placeholders (and a policy's channels);
                                                            prints the resource's displayName
    python3 monitoring/render.py channel DST TYPE DISPLAY_NAME LABEL [--url-prefix P]
                                                            a notification channel whose LABEL is read from stdin
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any
from urllib.parse import quote

PLACEHOLDER = re.compile(r"\$\{([A-Z_]+)\}")
METRIC_NAME = re.compile(r"[A-Za-z0-9_]{1,100}")  # our own rule: also a safe file name and PromQL name


class RenderError(Exception):
    """A definition that must not reach gcloud: an unknown placeholder, a bad metric name."""


def fill(value: Any, values: dict[str, str]) -> Any:
    """Every ${NAME} in every string of a JSON value replaced; a name without a value is refused."""
    if isinstance(value, str):
        missing = sorted(set(PLACEHOLDER.findall(value)) - set(values))
        if missing:
            raise RenderError(f"no value for {', '.join('${' + m + '}' for m in missing)}")
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], value)
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    return value


def write_json(path: str, value: Any, private: bool = False) -> None:
    """Write JSON; private files (a channel's token or address) are readable by the deployer only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(value, out, indent=2)
        out.write("\n")


def split_metrics(src: str, out_dir: str) -> list[str]:
    """metrics.json (a list) → OUT_DIR/metric.NAME.json, one LogMetric each, as `--config-from-file` takes."""
    with open(src, encoding="utf-8") as f:
        metrics = json.load(f)
    names = []
    for metric in metrics:
        name = metric.get("name", "")
        if not METRIC_NAME.fullmatch(name):
            raise RenderError(f"bad metric name {name!r}")
        if name in names:
            raise RenderError(f"metric {name} defined twice")
        write_json(os.path.join(out_dir, f"metric.{name}.json"), metric)
        names.append(name)
    return names


def fill_file(src: str, dst: str, values: dict[str, str], channels: list[str] | None) -> str:
    """SRC with its placeholders filled (and, for an alert policy, its notification channels) → DST."""
    with open(src, encoding="utf-8") as f:
        resource = fill(json.load(f), values)
    if channels is not None and "notificationChannels" in resource:
        resource["notificationChannels"] = channels
    write_json(dst, resource)
    return str(resource.get("displayName", ""))


def channel(dst: str, kind: str, display_name: str, label: str, secret: str, url_prefix: str | None) -> None:
    """A NotificationChannel; the label's value (an address, a token) comes on stdin, never in argv."""
    value = secret.strip()
    if not value:
        raise RenderError(f"empty {label} for channel {display_name!r}")
    if url_prefix is not None:
        value = url_prefix + quote(value, safe="")
    write_json(dst, {"type": kind, "displayName": display_name, "labels": {label: value}, "enabled": True},
               private=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="render.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("metrics")
    p.add_argument("src")
    p.add_argument("out_dir")
    p = sub.add_parser("fill")
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--channel", action="append", metavar="NAME")
    p = sub.add_parser("channel")
    p.add_argument("dst")
    p.add_argument("type")
    p.add_argument("display_name")
    p.add_argument("label")
    p.add_argument("--url-prefix")
    args = parser.parse_args(argv)
    try:
        if args.command == "metrics":
            print("\n".join(split_metrics(args.src, args.out_dir)))
        elif args.command == "fill":
            values = dict(kv.split("=", 1) for kv in args.set)
            print(fill_file(args.src, args.dst, values, args.channel))
        else:
            channel(args.dst, args.type, args.display_name, args.label, sys.stdin.read(), args.url_prefix)
    except (RenderError, OSError, ValueError) as exc:
        print(f"render.py: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
