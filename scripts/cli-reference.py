#!/usr/bin/python3
"""Writes logz's man page and bash completion from the program's own help.

  /usr/bin/python3 scripts/cli-reference.py build/logz OUT_DIR

`logz --help` and `logz COMMAND --help` are the source of truth for flags:
this script runs them and turns what they print into OUT_DIR/logz.1 (roff,
for `man`) and OUT_DIR/logz.bash (bash completion: commands, flags, the values
a flag takes, and files for the rest). The build runs it after linking logz
(CMake target logz_reference) and `cmake --install` installs both.
"""
import datetime
import os
import re
import subprocess
import sys

# A flag line of CLI11's help: "  -h,--help   text" or "  --method TEXT:{a,b}=a".
FLAG = re.compile(r"^  (-\S+)(.*)$")
COMMAND = re.compile(r"^  ([a-z][a-z-]*)\s{2,}(.*)$")


def help_text(logz, *args):
    return subprocess.run([logz, *args, "--help"], check=True, capture_output=True,
                          text=True).stdout


def parse_flags(text):
    """[(names, type_and_default, description)] of the Options section."""
    flags = []
    section = None
    for line in text.splitlines():
        if line and not line.startswith(" "):
            section = line.rstrip(":")
            continue
        if section != "Options":
            continue
        m = FLAG.match(line)
        if m:
            # CLI11's name column is 30 wide: the description starts there,
            # or on the next line when the name and type fill it.
            head, description = line, ""
            if len(line) > 30 and line[28:30] == "  " and line[30] != " ":
                head, description = line[:30], line[30:].strip()
            names = head.split()[0].split(",")
            type_text = head.strip()[len(head.split()[0]):].strip()
            flags.append([names, type_text, description])
        elif flags and line.strip():
            flags[-1][2] = (flags[-1][2] + " " + line.strip()).strip()
    return flags


def choices(type_text):
    m = re.search(r"\{([^}]*)\}", type_text)
    return m.group(1).split(",") if m else []


def takes_value(type_text):
    return bool(type_text) and not type_text.startswith("Excludes")


def roff(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return re.sub(r"^([.'])", r"\\&\1", text, flags=re.M)


def usage_and_description(text):
    """The command's one-line description and its usage line."""
    lines = text.splitlines()
    usage = next((l for l in lines if l.startswith("Usage:")), "")
    description = lines[0] if lines and not lines[0].startswith("Usage:") else ""
    return description, usage.replace("Usage: ", "").strip()


def positionals(text):
    out, section = [], None
    for line in text.splitlines():
        if line and not line.startswith(" "):
            section = line.rstrip(":")
            continue
        if section == "Positionals" and line.strip():
            m = re.match(r"^  (\S+)\s+(\S+(?: REQUIRED)?)\s{2,}(.*)$", line)
            if m:
                out.append([m.group(1), m.group(3)])
            elif out:
                out[-1][1] += " " + line.strip()
    return out


def man_page(logz, top, commands, version):
    date = datetime.date.today().isoformat()
    if "SOURCE_DATE_EPOCH" in os.environ:
        date = datetime.datetime.utcfromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"])).date().isoformat()
    intro = top.split("Usage:")[0].strip().splitlines()
    out = [f'.TH LOGZ 1 "{date}" "logz {version}" "User Commands"',
           ".SH NAME", "logz \\- " + roff(intro[0].split(" - ", 1)[-1]),
           ".SH SYNOPSIS", ".B logz", "[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR]",
           ".SH DESCRIPTION"]
    out.append(".nf")
    out += [roff(l) for l in intro[1:]]
    out.append(".fi")
    out.append(".SH GLOBAL OPTIONS")
    out += flag_items(parse_flags(top))
    out.append(".SH COMMANDS")
    for name, summary, text in commands:
        _, usage = usage_and_description(text)
        out += [f".SS {name}", roff(summary) + ".", ".PP", ".B Usage:", roff(usage)]
        for pos, what in positionals(text):
            out += [".TP", f"\\fI{roff(pos)}\\fR", roff(what)]
        out += flag_items(parse_flags(text))
    out += [".SH EXIT STATUS",
            ".TP", "0", "Success.",
            ".TP", "1", "Bad input: a file that cannot be read or parsed, data that do not fit the "
            "model, a run that diverged.",
            ".TP", "2", "A command line that does not parse, a flag out of range, a method the "
            "model does not take.",
            ".TP", "130, 143", "Training stopped by SIGINT or SIGTERM after finishing its batch "
            "and writing its checkpoint.",
            ".PP", "Every error is one line on standard error starting \\(lqlogz: error:\\(rq, "
            "naming the file (with its offset, line, row or column) or the flag.",
            ".SH ENVIRONMENT",
            ".TP", "LOGZ_DATA_DIR", "Folder holding the bundled data (mnist10k/).",
            ".TP", "LOGZ_FASHION_MNIST_DIR", "Folder of the Fashion\\-MNIST IDX files "
            "(default: Debian's /usr/share/datasets/fashion\\-mnist).",
            ".SH SEE ALSO",
            "The documentation in the source tree: README.md and docs/ (cli.md, formats.md, "
            "principles.md, estimators.md, python.md).",
            ".PP", "This page is generated from \\fBlogz \\-\\-help\\fR and \\fBlogz "
            "\\fICOMMAND\\fB \\-\\-help\\fR, which remain the reference for flags."]
    return "\n".join(out) + "\n"


def flag_items(flags):
    out = []
    for names, type_text, description in flags:
        label = ", ".join(f"\\fB{roff(n)}\\fR" for n in names)
        if takes_value(type_text):
            label += " \\fI" + roff(type_text) + "\\fR"
        out += [".TP", label, roff(description or "(no description)")]
    return out


def completion(commands, top_flags):
    """A bash completion function: the commands, then each command's flags,
    the choices of a flag that lists them, files for other values."""
    lines = ["# bash completion for logz; generated by scripts/cli-reference.py from logz --help",
             "_logz() {",
             "  local cur prev cmd i",
             "  cur=${COMP_WORDS[COMP_CWORD]}",
             "  prev=${COMP_WORDS[COMP_CWORD-1]}",
             "  cmd=",
             "  for ((i = 1; i < COMP_CWORD; i++)); do",
             "    case ${COMP_WORDS[i]} in",
             "      " + "|".join(c[0] for c in commands) + ") cmd=${COMP_WORDS[i]}; break ;;",
             "    esac",
             "  done",
             "  local flags values"]
    global_flags = " ".join(n for f in top_flags for n in f[0] if n.startswith("--"))
    lines.append("  case $cmd in")
    lines.append(f'    "") flags="{global_flags}" ;;')
    value_cases = {}
    for name, _, text in commands:
        flags = parse_flags(text)
        names = [n for f in flags for n in f[0] if n.startswith("--")]
        lines.append(f'    {name}) flags="{" ".join(names + global_flags.split())}" ;;')
        for f in flags:
            if takes_value(f[1]):
                key = " ".join(choices(f[1])) if choices(f[1]) else "@files"
                for n in f[0]:
                    value_cases.setdefault((name, n), key)
    lines.append("  esac")
    lines.append('  case "$cmd $prev" in')
    by_value = {}
    for (name, flag), key in value_cases.items():
        by_value.setdefault(key, []).append(f'"{name} {flag}"')
    for key, patterns in sorted(by_value.items()):
        if key == "@files":
            action = 'COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return'
        else:
            action = f'COMPREPLY=($(compgen -W "{key}" -- "$cur")); return'
        lines.append(f"    {'|'.join(patterns)}) {action} ;;")
    lines.append('    *" --threads") return ;;')
    lines.append("  esac")
    lines += ['  if [[ -z $cmd && $cur != -* ]]; then',
              '    COMPREPLY=($(compgen -W "' + " ".join(c[0] for c in commands) + '" -- "$cur"))',
              "  elif [[ $cur == -* ]]; then",
              '    COMPREPLY=($(compgen -W "$flags" -- "$cur"))',
              "  else",
              '    COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null',
              "  fi",
              "}",
              "complete -F _logz logz"]
    return "\n".join(lines) + "\n"


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    logz, out_dir = sys.argv[1:]
    top = help_text(logz)
    version = subprocess.run([logz, "--version"], check=True, capture_output=True,
                             text=True).stdout.split()[1]
    commands = []
    section = None
    for line in top.splitlines():
        if line and not line.startswith(" "):
            section = line.rstrip(":")
            continue
        m = COMMAND.match(line)
        if section == "Subcommands" and m:
            commands.append((m.group(1), m.group(2), help_text(logz, m.group(1))))
    if not commands:
        sys.exit(f"{logz} --help lists no commands")
    os.makedirs(out_dir, exist_ok=True)
    write_atomic(os.path.join(out_dir, "logz.1"), man_page(logz, top, commands, version))
    write_atomic(os.path.join(out_dir, "logz.bash"), completion(commands, parse_flags(top)))


if __name__ == "__main__":
    main()
