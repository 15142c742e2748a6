#!/usr/bin/env python3
"""Times grid saves (评分表): each save changes N cells of one department's grid (a count up by one, or
a tick box flipped).

    grid.py BASE_URL COOKIE CSRF PERIOD DEPARTMENT_ID [--cells 100] [--saves 5]

Each round reads the grid page (what the clerk sees), then posts N changed cells at once, as the form
does, and times the post alone. Every save must land (a redirect with msg=); prints the times in ms, one
per line, then the median.
"""
import argparse
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("cookie")
    ap.add_argument("csrf")
    ap.add_argument("period")
    ap.add_argument("department")
    ap.add_argument("--cells", type=int, default=100)
    ap.add_argument("--saves", type=int, default=5)
    a = ap.parse_args()
    opener = urllib.request.build_opener(NoRedirect)
    headers = {"Cookie": f"kaoping_session={a.cookie}"}
    grid = f"{a.base}/periods/{a.period}/grid?department={a.department}"
    times = []
    for _ in range(a.saves):
        page = opener.open(urllib.request.Request(grid, headers=headers)).read().decode()
        # Cells: a hidden original and an input, in page order. A count goes up by one (a new record); a
        # tick box flips (a new record, or a withdrawal with the form's reason).
        shown = re.findall(r'name="o\|([^"|]+)\|([^"|]+)" value="(\d*)"', page)
        numbers = set(re.findall(r'type="number" name="v\|([^"]+)"', page))
        boxes = set(re.findall(r'type="checkbox" name="v\|([^"]+)"', page))
        cells = []
        for r, c, v in shown:
            key = f"{r}|{c}"
            if key in numbers:
                cells.append((r, c, v, str(int(v or 0) + 1)))
            elif key in boxes:
                cells.append((r, c, v, "" if v else "1"))
        cells = cells[: a.cells]
        if len(cells) < a.cells:
            sys.exit(f"grid.py: only {len(cells)} cells to change on the grid")
        form = [("department", a.department), ("note", "基准测试"), ("reason", "基准测试")]
        for r, c, v, new in cells:
            form.append((f"o|{r}|{c}", v))
            if new:  # an unticked box is not submitted
                form.append((f"v|{r}|{c}", new))
        body = urllib.parse.urlencode(form).encode()
        req = urllib.request.Request(
            f"{a.base}/periods/{a.period}/grid?csrf={urllib.parse.quote(a.csrf)}",
            data=body,
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
        )
        started = time.perf_counter()
        try:
            resp = opener.open(req)
            status, location = resp.status, resp.headers.get("Location", "")
        except urllib.error.HTTPError as e:
            status, location = e.code, e.headers.get("Location", "")
        elapsed = (time.perf_counter() - started) * 1000
        if status != 303 or "msg=" not in location:
            sys.exit(f"grid.py: the save did not land ({status} {urllib.parse.unquote(location)})")
        times.append(elapsed)
        print(f"{elapsed:.1f}")
    print(f"median {statistics.median(times):.1f}")


if __name__ == "__main__":
    main()
