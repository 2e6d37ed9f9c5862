#!/usr/bin/env python3
"""Checks that every `pushworker` invocation in deploy/ (and the command lines of
docs/operations.md) uses subcommands and flags the binary accepts, that the PUSHWORKER_*
variables they set are ones the sources read, and that the Grafana dashboard and the documented
alerts name metrics WorkerMetrics defines.

    check_deploy.py PUSHWORKER_BINARY REPOSITORY_ROOT

Every problem is printed with the file it comes from; the exit status is 1 when there is any.
Called by scripts/check-deploy.
"""

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

SHELL_OPERATORS = {"&&", "||", ";", "|", "&", ">", ">>", "<", "2>", "2>&1", ")"}
# Variables a deploy file interpolates itself (compose `${NAME:-default}`), not ones pushworker reads.
INTERPOLATION = re.compile(r"\$\{(PUSHWORKER_[A-Z0-9_]+)")


class Help:
    """What `pushworker <path> --help` says: options (and whether each takes a value),
    subcommands (and the default one), and whether positional arguments exist."""

    def __init__(self, text):
        self.options = {}
        self.subcommands = []
        self.default_subcommand = None
        self.has_arguments = False
        section = None
        for line in text.splitlines():
            header = re.match(r"^([A-Z][A-Z ]+):", line)
            if header:
                section = header.group(1)
                continue
            if section == "OPTIONS":
                match = re.match(r"^\s{2}(?:(-\w), )?(--[\w-]+)(?: (<[^>]+>))?", line)
                if match:
                    takes_value = match.group(3) is not None
                    self.options[match.group(2)] = takes_value
                    if match.group(1):
                        self.options[match.group(1)] = takes_value
            elif section == "SUBCOMMANDS":
                match = re.match(r"^\s{2}([\w-]+)( \(default\))?\s", line + " ")
                if match and not line.strip().startswith("See "):
                    self.subcommands.append(match.group(1))
                    if match.group(2):
                        self.default_subcommand = match.group(1)
            elif section == "ARGUMENTS":
                if line.strip():
                    self.has_arguments = True


class Binary:
    def __init__(self, path):
        self.path = path
        self.cache = {}

    def help(self, path):
        key = tuple(path)
        if key not in self.cache:
            result = subprocess.run([self.path, *path, "--help"], capture_output=True, text=True, timeout=60)
            if result.returncode != 0:
                raise RuntimeError(f"`pushworker {' '.join(path)} --help` failed: {result.stderr.strip()}")
            self.cache[key] = Help(result.stdout)
        return self.cache[key]

    def check(self, argv):
        """Problems of one invocation (the arguments after `pushworker`)."""
        path = []
        help_ = self.help(path)
        index = 0
        # Walk down the subcommands; at a level with a default subcommand, options belong to it.
        while help_.subcommands:
            if index < len(argv) and argv[index] in help_.subcommands:
                path.append(argv[index])
                index += 1
            elif help_.default_subcommand:
                path.append(help_.default_subcommand)
            elif index < len(argv) and argv[index].startswith("-"):
                break
            else:
                word = argv[index] if index < len(argv) else "(nothing)"
                return [f"`{word}` is not a subcommand of `{' '.join(['pushworker'] + path)}`"]
            help_ = self.help(path)
        problems = []
        name = "pushworker " + " ".join(path)
        while index < len(argv):
            token = argv[index]
            index += 1
            if token.startswith("-") and token != "-":
                flag = token.split("=", 1)[0]
                if flag not in help_.options:
                    problems.append(f"`{name}` has no option {flag}")
                    continue
                if help_.options[flag] and "=" not in token:
                    if index >= len(argv):
                        problems.append(f"`{name}` option {flag} needs a value")
                    index += 1
            elif not help_.has_arguments:
                problems.append(f"`{name}` takes no argument `{token}`")
        return problems


def words_after_pushworker(line):
    """The arguments of each `pushworker …` command on a shell line: the word must stand where a
    command does (first, after an operator, after `exec`/`sudo`/…, or after VAR=value words), so
    `kubectl -n pushworker …` is no invocation."""
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError:
        tokens = line.split()
    found = []
    command_position = True
    for position, token in enumerate(tokens):
        if command_position and (token == "pushworker" or token.endswith("/pushworker")):
            argv = []
            for word in tokens[position + 1:]:
                if word in SHELL_OPERATORS or word.startswith(">") or word.endswith(";"):
                    break
                argv.append(word)
            found.append(argv)
        if token in SHELL_OPERATORS or token.endswith(";") or token in ("exec", "sudo", "then", "do", "time", "nohup", "!"):
            command_position = True
        elif command_position and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", token):
            command_position = True
        else:
            command_position = False
    return found


def shell_invocations(script):
    """`pushworker` commands in a shell script (backslash continuations joined)."""
    joined = re.sub(r"\\\n\s*", " ", script)
    found = []
    for line in joined.splitlines():
        if re.search(r"(^|[\s/])pushworker\s", line):
            found.extend(words_after_pushworker(line))
    return found


def container_invocations(entrypoint, command):
    """The pushworker arguments of a container, given its entrypoint and command lists."""
    if entrypoint and entrypoint[0].endswith("pushworker"):
        return [entrypoint[1:] + command]
    if entrypoint and Path(entrypoint[0]).name in ("bash", "sh"):
        return shell_invocations("\n".join(command))
    if not entrypoint and command and Path(command[0]).name in ("bash", "sh"):
        return shell_invocations("\n".join(command))
    return []


def as_list(value):
    if value is None:
        return None
    if isinstance(value, str):
        return shlex.split(value)
    return [str(item) for item in value]


def compose_invocations(path, image_default):
    document = yaml.safe_load(path.read_text())
    for name, service in (document.get("services") or {}).items():
        image = str(service.get("image", ""))
        ours = "build" in service or "pushworker" in image
        entrypoint = as_list(service.get("entrypoint"))
        command = as_list(service.get("command"))
        if ours:
            entrypoint = entrypoint if entrypoint is not None else image_default["entrypoint"]
            command = command if command is not None else ([] if service.get("entrypoint") else image_default["cmd"])
        for argv in container_invocations(entrypoint or [], [c.replace("$$", "$") for c in command or []]):
            yield f"{path}: service {name}", argv


def kubernetes_containers(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                yield from value
            else:
                yield from kubernetes_containers(value)
    elif isinstance(node, list):
        for item in node:
            yield from kubernetes_containers(item)


def kubernetes_invocations(path, image_default):
    for document in yaml.safe_load_all(path.read_text()):
        if not document:
            continue
        for container in kubernetes_containers(document):
            ours = "pushworker" in str(container.get("image", ""))
            command = as_list(container.get("command"))
            args = as_list(container.get("args")) or []
            where = f"{path}: {document.get('kind')} {document.get('metadata', {}).get('name')} container {container.get('name')}"
            if command is None:
                if ours:
                    yield where, (args if container.get("args") is not None else image_default["cmd"])
                continue
            for argv in container_invocations(command, args):
                yield where, argv


def systemd_invocations(path):
    for line in path.read_text().splitlines():
        match = re.match(r"^(ExecStart|ExecStartPre|ExecStartPost|ExecStop|ExecReload)=[-@:+!]*(.*)$", line)
        if match:
            argv = shlex.split(match.group(2))
            if argv and argv[0].endswith("pushworker"):
                yield f"{path}: {match.group(1)}", argv[1:]


def dockerfile_defaults(path):
    defaults = {"entrypoint": [], "cmd": []}
    for line in path.read_text().splitlines():
        match = re.match(r"^(ENTRYPOINT|CMD)\s+(\[.*\])\s*$", line)
        if match:
            defaults[match.group(1).lower().replace("entrypoint", "entrypoint")] = json.loads(match.group(2))
    return defaults


def markdown_invocations(path):
    inside = False
    block = []
    for line in path.read_text().splitlines():
        if line.startswith("```"):
            if inside:
                for argv in shell_invocations("\n".join(block)):
                    yield f"{path}: code block", argv
                block = []
            inside = not inside
            continue
        if inside:
            block.append(line)


def environment_problems(root, files):
    sources = "\n".join(p.read_text() for p in (root / "Sources").rglob("*.swift"))
    problems = []
    for path in files:
        text = path.read_text()
        interpolated = set(INTERPOLATION.findall(text))
        for name in sorted(set(re.findall(r"\bPUSHWORKER_[A-Z0-9_]+\b", text)) - interpolated):
            if f'"{name}"' not in sources:
                problems.append(f"{path}: sets {name}, which pushworker does not read")
    return problems


def metric_problems(root, files):
    defined = set(re.findall(r'"(pushworker_[a-z0-9_]+)"', (root / "Sources/PushWorker/Observability/WorkerMetrics.swift").read_text()))
    problems = []
    for path in files:
        for name in sorted(set(re.findall(r"\bpushworker_[a-z0-9_]+\b", path.read_text()))):
            base = re.sub(r"_(bucket|sum|count)$", "", name)
            if name.startswith(("pushworker_worker", "pushworker_enqueuer", "pushworker_reporter", "pushworker_jobqueue")):
                continue  # role and bundle names, not metrics
            if name not in defined and base not in defined:
                problems.append(f"{path}: metric {name} is not defined in WorkerMetrics.swift")
    return problems


def main():
    binary = Binary(sys.argv[1])
    root = Path(sys.argv[2])
    deploy = root / "deploy"
    image_default = dockerfile_defaults(deploy / "docker/Dockerfile")
    invocations = [(f"{deploy / 'docker/Dockerfile'}: CMD", image_default["cmd"])]
    invocations += list(compose_invocations(deploy / "compose.yaml", image_default))
    for path in sorted((deploy / "kubernetes").glob("*.yaml")):
        invocations += list(kubernetes_invocations(path, image_default))
    for path in sorted((deploy / "systemd").glob("*.service")):
        invocations += list(systemd_invocations(path))
    operations = root / "docs/operations.md"
    if operations.exists():
        invocations += list(markdown_invocations(operations))

    problems = []
    for where, argv in invocations:
        for problem in binary.check(argv):
            problems.append(f"{where}: {problem} (in: pushworker {' '.join(argv)})")
    deploy_files = [p for p in deploy.rglob("*") if p.is_file()]
    problems += environment_problems(root, deploy_files)
    problems += metric_problems(root, [deploy / "grafana/pushworker.json"] + ([operations] if operations.exists() else []))

    print(f"check-deploy: {len(invocations)} pushworker invocations checked against --help")
    for problem in problems:
        print(f"check-deploy: FAIL {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
