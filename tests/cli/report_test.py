#!/usr/bin/python3
"""End-to-end test of `logz report`: train a tiny run, save an estimate and an
evaluation beside it, write the report, and open it in real headless
Chromium: the charts must be drawn (uPlot's elements in the DOM after the
scripts ran), with no script error, console message or blocked load, and no
URL the page could fetch. A screenshot is kept in the test's working folder
(the build tree) as report-screenshot.png.

The browser part is skipped, with a message, only when no Chromium is
installed (scripts/setup.sh installs Debian's `chromium`).

Usage: report_test.py PATH_TO_LOGZ PROJECT_ROOT
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from cli_helpers import run
SCREENSHOT = os.path.abspath("report-screenshot.png")
# Text that would run a script or load a file if the report did not escape it.
HOSTILE = "<img src=x onerror=\"document.documentElement.setAttribute('data-injected','1')\"></script>"


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Report(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.run_dir = os.path.join(cls.tmp.name, "tiny-run")
        run("train", "--hidden", 10, "--epochs", 3, "--monitor", "exact", "--out", cls.run_dir)
        model = os.path.join(cls.run_dir, "model.safetensors")
        with open(os.path.join(cls.run_dir, "estimate-ais.json"), "w") as f:
            f.write(run("estimate", model, "--method", "ais", "--chains", 20, "--betas", 200,
                        "--json").stdout)
        with open(os.path.join(cls.run_dir, "eval-test.json"), "w") as f:
            f.write(run("eval", model, "--json").stdout)
        settings_path = os.path.join(cls.run_dir, "settings.json")
        with open(settings_path) as f:
            settings = json.load(f)
        settings["note"] = HOSTILE
        with open(settings_path, "w") as f:
            json.dump(settings, f)
        cls.summary = json.loads(run("report", cls.run_dir, "--json").stdout)
        cls.report = os.path.join(cls.run_dir, "report.html")
        with open(cls.report, encoding="utf-8") as f:
            cls.html = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_writes_report_html_into_the_run_folder(self):
        self.assertEqual(self.summary["report"], self.report)
        self.assertEqual(self.summary["bytes"], len(self.html.encode("utf-8")))
        for title in ("Reconstruction error", "Pseudo-log-likelihood", "log Z", "Log-likelihood"):
            self.assertIn(title, self.summary["charts"])
        self.assertNotIn("Training loss", self.summary["charts"])  # PCD has no loss values
        # logz train drew these into the run folder; the page holds them as data: URIs.
        self.assertEqual(self.summary["pictures"], ["samples.png", "filters.png"])
        self.assertEqual(self.html.count('src="data:image/png;base64,'), 2)
        self.assertEqual(self.summary["log_z_rows"], 3)  # metrics.csv, estimate-ais, eval-test
        text = run("report", self.run_dir, "--out", os.path.join(self.tmp.name, "r.html")).stdout
        self.assertRegex(text, r"^wrote .*r\.html \(\d+ charts, 2 pictures, 3 log Z rows; \d+ kB\)\n$")

    def test_page_is_self_contained_and_escapes_file_text(self):
        self.assertIn('http-equiv="Content-Security-Policy" content="default-src \'none\';', self.html)
        # The only URL is in uPlot's licence banner, a comment: nothing loads it.
        self.assertEqual(re.findall(r"https?://[^\s\"'<>)]*", self.html),
                         ["https://github.com/leeoniya/uPlot"])
        for attribute in re.findall(r"\b(?:src|href)=\"([^\"]*)\"", self.html):
            self.assertTrue(attribute.startswith(("#", "data:")), attribute)
        self.assertNotIn(HOSTILE, self.html)
        self.assertIn("&lt;img src=x onerror=&quot;document.documentElement.setAttribute("
                      "&#39;data-injected&#39;,&#39;1&#39;)&quot;&gt;&lt;/script&gt;", self.html)
        self.assertIn("estimate-ais.json", self.html)

    def test_bad_run_folders_are_one_line_errors(self):
        missing = os.path.join(self.tmp.name, "missing")
        proc = run("report", missing, check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stderr.count("\n"), 1, proc.stderr)
        self.assertIn(f"logz: error: {missing}: not a folder", proc.stderr)
        broken = os.path.join(self.tmp.name, "broken")
        shutil.copytree(self.run_dir, broken)
        open(os.path.join(broken, "estimate-failed.json"), "w").close()
        proc = run("report", broken, check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("estimate-failed.json: empty file", proc.stderr)

    def test_charts_render_in_headless_chromium(self):
        browser = chromium()
        if browser is None:
            self.skipTest("Chromium is not installed (apt-get install chromium): the report was "
                          "not checked in a browser")
        with tempfile.TemporaryDirectory() as profile:
            flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--disable-background-networking", f"--user-data-dir={profile}",
                     "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
                     "--window-size=1200,1600"]
            url = "file://" + self.report
            dom = subprocess.run(flags + ["--dump-dom", url], capture_output=True, text=True,
                                 timeout=180)
            if os.path.exists(SCREENSHOT):
                os.remove(SCREENSHOT)
            shot = subprocess.run(flags + [f"--screenshot={SCREENSHOT}", url], capture_output=True,
                                  text=True, timeout=180)
        self.assertEqual(dom.returncode, 0, dom.stderr[-2000:])
        self.assertEqual(shot.returncode, 0, shot.stderr[-2000:])
        page = dom.stdout
        root = re.search(r"<html[^>]*>", page).group(0)
        # Every error, console.error and blocked load is recorded here by the page.
        self.assertIn('data-report-errors=""', root, root)
        charts = len(self.summary["charts"])
        self.assertIn(f'data-charts-drawn="{charts}"', root)
        self.assertNotIn("data-injected", root)
        self.assertEqual(len(re.findall(r'<div class="uplot', page)), charts)
        self.assertEqual(len(re.findall(r"<canvas", page)), charts)
        # metrics.csv has the averages' standard errors: the report draws them as bands.
        self.assertIn('data-curves="train_log_likelihood test_log_likelihood" '
                      'data-bands="train_log_likelihood test_log_likelihood"', page)
        self.assertIn('data-curves="pseudo_log_likelihood" data-bands="pseudo_log_likelihood"', page)
        self.assertIn('data-curves="log_z" data-bands=""', page)
        self.assertNotIn('<img src="x"', page)
        # Chromium logs the page's console messages (errors included) to stderr.
        console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
        self.assertEqual(console, [])
        with open(SCREENSHOT, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        self.assertGreater(os.path.getsize(SCREENSHOT), 20000)
        print(f"\nscreenshot of the report: {SCREENSHOT}", file=sys.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
