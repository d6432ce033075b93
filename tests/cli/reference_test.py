"""The man page and bash completion (scripts/cli-reference.py) against the
program's own help: every command and flag is in both, the page renders
without warnings, and bash completes commands, flags and their values."""
import os
import re
import shutil
import subprocess
import tempfile

from cli_helpers import LOGZ, ROOT, run

out = tempfile.mkdtemp(prefix="logz-reference-")
subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "cli-reference.py"), LOGZ, out],
               check=True)
page = open(os.path.join(out, "logz.1")).read()
completion = os.path.join(out, "logz.bash")

commands = re.findall(r"^  ([a-z]+)\s{2,}", run("--help").stdout.split("Subcommands:")[1], re.M)
assert commands == ["train", "estimate", "eval", "sample", "show", "report", "contacts"], commands
for command in commands:
    flags = set(re.findall(r"^  (?:-\w,)?(--[a-z0-9-]+)", run(command, "--help").stdout, re.M))
    assert len(flags) >= 3, (command, flags)
    section = page.split(f".SS {command}\n")[1].split(".SS ")[0]
    for flag in flags:
        assert "\\fB" + flag.replace("-", "\\-") + "\\fR" in section, (command, flag)

groff = shutil.which("groff")
if groff:
    rendered = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", os.path.join(out, "logz.1")],
                              capture_output=True, text=True)
    assert rendered.returncode == 0 and rendered.stderr == "", rendered.stderr
else:
    print("groff is not installed: the page's rendering is not checked")


def complete(*words):
    """What bash offers for the last word of `logz WORDS...`."""
    line = " ".join(f"'{w}'" for w in ("logz",) + words)
    script = (f"source {completion}; COMP_WORDS=({line}); COMP_CWORD={len(words)}; "
              f"cd {out}; _logz; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    return proc.stdout.split()


assert complete("tr") == ["train"]
assert set(complete("")) == set(commands)
assert complete("--thr") == ["--threads"]
assert complete("train", "--hid") == ["--hidden"]
assert complete("train", "--data", "x", "--meth") == ["--method"]
assert set(complete("estimate", "m.safetensors", "--method", "")) == {
    "exact", "ais", "bridge", "learned", "trajectory"}
assert complete("train", "--progress", "n") == ["never"]
assert complete("eval", "--data", "logz.") == ["logz.1", "logz.bash"]  # files in the folder
assert "--min-separation" in complete("contacts", "--min")
print("man page and bash completion: every command and flag; completion of commands, flags, "
      "choices and files")
