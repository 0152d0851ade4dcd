#!/usr/bin/python3
"""Writes the benchmark's static site: N HTML pages of about 4.6 KB, each with
16 links to other pages of the site and 5 <img> tags, plus tiny GIFs and a
robots.txt that allows everything. Deterministic for a given seed.

Page 0 is the index ("/"); page i > 0 is /t/<i>.html. Each page links to the
next one (so every page is reachable from the index) and to 15 others chosen
at random. Prints one line: pages, images, mean page bytes, max BFS depth.

usage: gen_site.py OUT_DIR [--pages 2000] [--images 1000] [--seed 1]
"""
import argparse
import collections
import os
import random

LINKS = 16
IMAGES_PER_PAGE = 5
TARGET_BYTES = 4600

# The smallest valid GIF (1x1, transparent): the crawlers never fetch images.
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01"
       b"\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

WORDS = ("leak forum thread reply post user image gallery photo album archive page "
         "board topic member guest admin latest popular random new old hot share "
         "upload download mirror link source video clip set pack collection").split()


def href(i):
    return "/" if i == 0 else "/t/%d.html" % i


def words(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def page_html(rng, i, links, images):
    head = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<title>Thread %d: %s</title>\n"
            "</head>\n<body>\n<header><h1>Thread %d</h1><p class=\"crumbs\">%s</p></header>\n"
            % (i, words(rng, 4), i, words(rng, 6)))
    nav = "<nav><ul>\n" + "".join(
        "<li><a href=\"%s\">%s</a></li>\n" % (href(j), words(rng, 3)) for j in links) + "</ul></nav>\n"
    imgs = "<main>\n" + "".join(
        "<figure><img src=\"/img/%d.gif\" alt=\"%s\" width=\"640\" height=\"480\">"
        "<figcaption>%s</figcaption></figure>\n" % (k, words(rng, 3), words(rng, 5))
        for k in images)
    tail = "</main>\n<footer><p>%s</p></footer>\n</body>\n</html>\n" % words(rng, 8)
    body = head + nav + imgs
    # Pad with posts of filler text up to the target size.
    while len(body) + len(tail) < TARGET_BYTES - 80:
        body += "<article><p>%s</p></article>\n" % words(rng, 12)
    return body + tail


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.pages <= LINKS:
        raise SystemExit("gen_site.py: --pages must be more than %d" % LINKS)
    rng = random.Random(a.seed)
    os.makedirs(os.path.join(a.out, "t"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "img"), exist_ok=True)
    graph = []
    for i in range(a.pages):
        nxt = (i + 1) % a.pages
        others = rng.sample([j for j in range(a.pages) if j not in (i, nxt)], LINKS - 1)
        graph.append([nxt] + others)
    total = 0
    for i, links in enumerate(graph):
        order = links[:]
        rng.shuffle(order)
        html = page_html(rng, i, order, rng.sample(range(a.images), IMAGES_PER_PAGE))
        path = os.path.join(a.out, "index.html" if i == 0 else "t/%d.html" % i)
        with open(path, "w", encoding="utf-8") as f:
            f.write(html)
        total += len(html.encode("utf-8"))
    for k in range(a.images):
        with open(os.path.join(a.out, "img", "%d.gif" % k), "wb") as f:
            f.write(GIF)
    with open(os.path.join(a.out, "robots.txt"), "w") as f:
        f.write("User-agent: *\nAllow: /\n")
    # Every page must be reachable from the index, within tdm's default depth cap (20).
    depth = {0: 0}
    queue = collections.deque([0])
    while queue:
        i = queue.popleft()
        for j in graph[i]:
            if j not in depth:
                depth[j] = depth[i] + 1
                queue.append(j)
    if len(depth) != a.pages:
        raise SystemExit("gen_site.py: only %d of %d pages reachable" % (len(depth), a.pages))
    print("site: %d pages (mean %d bytes, %d links and %d images each), %d images, "
          "max depth %d" % (a.pages, total // a.pages, LINKS, IMAGES_PER_PAGE, a.images,
                            max(depth.values())))


if __name__ == "__main__":
    main()
