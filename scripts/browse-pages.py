#!/usr/bin/env python3
"""Opens serve's web pages in headless Chromium (Selenium) and checks what a person would see.

Called by Tests/ArtifactStoreCLITests/WebPagesBrowserTests.swift after a real uv install through
`serve`; usable by hand against any running serve:

    browse-pages.py --base http://127.0.0.1:3141/ --index up --stored-project alpha \
        --stored-file alpha-1.0-py3-none-any.whl --refused-project torch \
        --hostile '<script>alert(1)</script>' --out .build/test-output/web-pages

Checks: the overview renders its chart (an SVG with bars); every --stored-file appears as stored
on the project page; the --refused-project page shows its response as refused by HTTP rules
(archived, no-store-response) with today's date; the --hostile string, which the caller put into
an upstream header value, is shown as text on the page's history and no script element or alert
exists on any page. Takes a screenshot of each page into --out. Exit status 0 when every check
passes; each failure is printed.
Needs: chromium and chromium-driver (Debian packages), selenium (PyPI).
"""
import argparse
import datetime
import os
import sys
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

failures = []


def check(condition, message):
    print(("ok    " if condition else "FAIL  ") + message)
    if not condition:
        failures.append(message)


def no_script(driver, page):
    check(not driver.find_elements(By.TAG_NAME, "script"), f"{page}: no script element")
    try:
        alert = driver.switch_to.alert
        check(False, f"{page}: an alert opened: {alert.text!r}")
    except NoAlertPresentException:
        pass


def open_page(driver, url, out, name):
    driver.get(url)
    driver.save_screenshot(os.path.join(out, name + ".png"))
    print(f"      screenshot {os.path.join(out, name + '.png')}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True, help="serve's base URL, ending in /")
    parser.add_argument("--index", required=True)
    parser.add_argument("--stored-project", required=True)
    parser.add_argument("--stored-file", action="append", default=[])
    parser.add_argument("--refused-project")
    parser.add_argument("--hostile", help="a string an upstream header carried")
    parser.add_argument("--hostile-url", help="the upstream URL whose response carried --hostile")
    parser.add_argument("--out", required=True)
    parser.add_argument("--window", default="1200,1000", help="the browser window's WIDTH,HEIGHT (what a screenshot shows)")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--chromedriver", default=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=" + args.window]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(args.chromedriver), options=options)
    try:
        today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")

        open_page(driver, args.base + "-/", args.out, "overview")
        check(driver.title == "artifact-store", f"overview: title {driver.title!r}")
        charts = driver.find_elements(By.CSS_SELECTOR, "svg#outcome-chart")
        check(len(charts) == 1, "overview: the request chart is there")
        if charts:
            size = charts[0].size
            check(charts[0].is_displayed() and size["width"] > 100 and size["height"] > 50, f"overview: the chart renders ({size})")
            bars = charts[0].find_elements(By.TAG_NAME, "rect")
            check(len(bars) > 0, f"overview: the chart has bars for the install's requests ({len(bars)})")
        body = driver.find_element(By.TAG_NAME, "body").text
        check("hits:" in body and "fetches:" in body, "overview: the chart's legend counts hits and fetches")
        no_script(driver, "overview")

        open_page(driver, f"{args.base}-/{args.index}/{args.stored_project}", args.out, "project")
        rows = driver.find_elements(By.CSS_SELECTOR, "table.files tbody tr")
        for filename in args.stored_file:
            row = [r for r in rows if filename in r.find_element(By.TAG_NAME, "td").text]
            check(len(row) == 1, f"project: {filename} is listed")
            if row:
                stored = row[0].find_elements(By.TAG_NAME, "td")[1].text
                check(stored == "stored", f"project: {filename} is stored (shows {stored!r})")
        no_script(driver, "project")

        if args.refused_project:
            open_page(driver, f"{args.base}-/{args.index}/{args.refused_project}", args.out, "refused-project")
            text = driver.find_element(By.TAG_NAME, "body").text
            check("archived" in text and "no-store-response" in text, "refused project: the page shows as refused by HTTP rules (no-store), kept as archived")
            check(today in text, f"refused project: with its date ({today})")
            no_script(driver, "refused project")

        if args.hostile and args.hostile_url:
            open_page(driver, args.base + "-/url?u=" + urllib.parse.quote(args.hostile_url, safe=""), args.out, "history")
            text = driver.find_element(By.TAG_NAME, "body").text
            check(args.hostile in text, "history: the hostile header value is shown as text")
            no_script(driver, "history")
            open_page(driver, args.base + "-/search?q=" + urllib.parse.quote(args.hostile, safe=""), args.out, "search")
            text = driver.find_element(By.TAG_NAME, "body").text
            check(args.hostile in text, "search: a hostile query is shown as text")
            no_script(driver, "search")
    finally:
        driver.quit()
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
