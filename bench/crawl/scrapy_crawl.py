#!/usr/bin/python3
"""Crawls the benchmark site with Scrapy the way tdm's crawler does: robots.txt
obeyed, every in-domain link followed once, image URLs extracted (img src,
srcset, data-src, og:image) but never fetched. Prints one line:
"scrapy: pages N images M seconds S" (S from the first request, robots.txt
included, to the last page parsed; Python's start-up is not counted).

usage: scrapy_crawl.py START_URL   (run with /usr/bin/python3: Debian's python3-scrapy)
"""
import sys
import time
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess


class SiteSpider(scrapy.Spider):
    name = "bench"

    def __init__(self, start, **kw):
        super().__init__(**kw)
        self.start_urls = [start]
        self.allowed_domains = [urlsplit(start).hostname]
        self.pages = set()
        self.images = set()
        self.first = None
        self.last = None

    def start_requests(self):
        self.first = time.monotonic()
        yield from super().start_requests()

    def parse(self, response):
        self.last = time.monotonic()
        self.pages.add(response.url)  # the start URL may come twice (dont_filter)
        for src in response.css("img::attr(src), img::attr(data-src)").getall():
            self.images.add((response.url, response.urljoin(src)))
        for srcset in response.css("img::attr(srcset)").getall():
            for part in srcset.split(","):
                if part.strip():
                    self.images.add((response.url, response.urljoin(part.split()[0])))
        for og in response.css('meta[property="og:image"]::attr(content)').getall():
            self.images.add((response.url, response.urljoin(og)))
        # The scheduler's duplicate filter keeps each URL to one fetch, and
        # OffsiteMiddleware keeps the crawl on the site, as tdm's scope does.
        yield from response.follow_all(css="a::attr(href), area::attr(href)", callback=self.parse)


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: scrapy_crawl.py START_URL")
    process = CrawlerProcess(settings={
        "CONCURRENT_REQUESTS": 64,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
        "DOWNLOAD_DELAY": 0,
        "ROBOTSTXT_OBEY": True,  # as tdm by default
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "USER_AGENT": "tdm-bench-scrapy",
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",  # silences a deprecation warning
    })
    crawler = process.create_crawler(SiteSpider)
    process.crawl(crawler, start=sys.argv[1])
    process.start()
    spider = crawler.spider
    seconds = (spider.last - spider.first) if spider.first else 0.0
    print("scrapy: pages %d images %d seconds %.3f" % (len(spider.pages), len(spider.images), seconds))


if __name__ == "__main__":
    main()
