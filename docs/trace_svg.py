#!/usr/bin/env python3
"""Draws a greenery trace (Chrome trace-event JSON) as an SVG timeline: one row per track,
polls as bars, spawns, wakes, parks and exits as marks. Standard library only.

Regenerate the picture in docs/:
    cargo run --example trace_foo_bar -- /tmp/trace_foo_bar.json
    python3 docs/trace_svg.py /tmp/trace_foo_bar.json docs/trace_foo_bar.svg
"""
import json
import sys
from html import escape

LEFT, RIGHT, ROW, TOP = 170, 30, 56, 60
WIDTH = 960
COLORS = {"spawn": "#2b7bb9", "wake": "#e08a00", "park": "#7a4fb5", "exit": "#c0392b",
          "kill": "#c0392b", "switch": "#16a085"}


def main(src, dst):
    events = json.load(open(src))["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events if e["name"] == "thread_name"}
    timed = [e for e in events if e["ph"] != "M"]
    start = min(e["ts"] for e in timed)
    end = max(e["ts"] + e.get("dur", 0) for e in timed)
    span = max(end - start, 1e-3)
    x = lambda ts: LEFT + (ts - start) / span * (WIDTH - LEFT - RIGHT)
    rows = sorted(tid for tid in names if any(e["tid"] == tid for e in timed))
    y = {tid: TOP + i * ROW for i, tid in enumerate(rows)}
    height = TOP + len(rows) * ROW + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
           f'<text x="{LEFT}" y="24" font-size="15" font-weight="bold">greenery trace of '
           f'gevent_foo_bar ({span:.0f} µs)</text>']
    legend_x = LEFT
    for label, color in [("poll", "#4a90d9"), ("spawn", COLORS["spawn"]), ("wake", COLORS["wake"]),
                         ("park", COLORS["park"]), ("exit", COLORS["exit"])]:
        out.append(f'<rect x="{legend_x}" y="34" width="10" height="10" fill="{color}"/>'
                   f'<text x="{legend_x + 14}" y="43">{label}</text>')
        legend_x += 70
    for tid in rows:
        top = y[tid]
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{top + ROW / 2}" '
                   f'y2="{top + ROW / 2}" stroke="#ddd"/>')
        out.append(f'<text x="8" y="{top + ROW / 2 + 4}">{escape(names[tid])}</text>')
    open_polls = {}
    label_end = {}  # per track: where the last label ends, to stack overlapping ones
    for e in timed:
        tid, ts, top = e["tid"], e["ts"], y.get(e["tid"], TOP)
        mid = top + ROW / 2
        if e["ph"] == "B":
            open_polls[tid] = ts
        elif e["ph"] == "E" and tid in open_polls:
            x0, x1 = x(open_polls.pop(tid)), x(ts)
            result = e.get("args", {}).get("result", "")
            out.append(f'<rect x="{x0:.1f}" y="{mid - 9}" width="{max(x1 - x0, 1.5):.1f}" '
                       f'height="18" fill="#4a90d9"><title>poll: {result}</title></rect>')
        elif e["ph"] == "X":
            x0, x1 = x(ts), x(ts + e["dur"])
            out.append(f'<rect x="{x0:.1f}" y="{mid - 6}" width="{max(x1 - x0, 1.5):.1f}" '
                       f'height="12" fill="#bbb"><title>loop waits</title></rect>')
        elif e["ph"] == "i":
            color = COLORS.get(e["name"], "#555")
            args = e.get("args", {})
            detail = args.get("name") or args.get("on") or args.get("by") or args.get("state") or ""
            px = x(ts)
            if e["name"] == "spawn":
                target = y.get(args["task"] + 1, mid)
                out.append(f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{mid}" y2="{target + ROW / 2 - 12}" '
                           f'stroke="{color}" stroke-dasharray="3,2" marker-end="url(#a)"/>')
            out.append(f'<circle cx="{px:.1f}" cy="{mid - 15}" r="3.5" fill="{color}">'
                       f'<title>{escape(e["name"])}: {escape(str(detail))}</title></circle>')
            if e["name"] in ("park", "exit"):
                text = f'{e["name"]} {detail}'
                last_end, last_line = label_end.get(tid, (0, 1))
                line = 1 if last_line == 0 and px < last_end else 0
                label_end[tid] = (px + 4 + 5.6 * len(text), line)
                out.append(f'<text x="{px + 4:.1f}" y="{mid + 22 + 12 * line}" font-size="10" '
                           f'fill="{color}">{escape(text)}</text>')
    out.insert(1, '<defs><marker id="a" markerWidth="8" markerHeight="8" refX="4" refY="4" '
                  'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#2b7bb9"/></marker></defs>')
    axis = TOP + len(rows) * ROW + 10
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{axis}" y2="{axis}" stroke="#333"/>')
    for i in range(6):
        ts = start + span * i / 5
        out.append(f'<text x="{x(ts):.1f}" y="{axis + 16}" text-anchor="middle">'
                   f'{ts - start:.0f} µs</text>')
    out.append("</svg>")
    with open(dst, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
