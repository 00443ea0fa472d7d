"""The README's Quickstart, run as written: every `console` block's commands in order, in one environment,
with the ports and database paths it names through its environment variables set to free ones here."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

from tests.test_cli.nodes import cli_env, free_port, read_banner

README = Path(__file__).parents[2] / "README.md"
ASSIGNMENT = re.compile(r"^(\w+)=\$\((.*)\)$")


def quickstart_commands() -> list[str]:
    section = README.read_text().split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```console\n(.*?)```", section, re.S)
    return [line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ ")]


def test_the_quickstart_commands_succeed(tmp_path: Path) -> None:
    commands = quickstart_commands()
    assert any(c.startswith("ocpi register") for c in commands) and any(c.startswith("ocpi pull") for c in commands)
    # What the README's export line sets, the test chooses: free ports, and the current directory is tmp_path.
    env = cli_env(CPO_PORT=str(free_port()), EMSP_PORT=str(free_port()))
    background = []
    outputs = {}
    try:
        for command in commands:
            if command.startswith("export "):
                for assignment in shlex.split(command)[1:]:
                    name, _, value = assignment.partition("=")
                    env.setdefault(name, value)
                continue
            if command.endswith("&"):
                process = subprocess.Popen(
                    ["bash", "-c", "exec " + command.removesuffix("&")],
                    cwd=tmp_path,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
                background.append(process)
                read_banner(process, tmp_path / "none")
                continue
            captured = ASSIGNMENT.match(command)
            shell = captured.group(2) if captured else command
            done = subprocess.run(["bash", "-c", shell], cwd=tmp_path, env=env, capture_output=True, text=True)
            assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
            if captured:
                env[captured.group(1)] = done.stdout.strip()
            outputs[command.split()[1]] = done.stdout
    finally:
        for process in background:
            process.terminate()
            process.wait(timeout=30)
    assert "Registered with" in outputs["register"]
    assert re.search(r"locations\s*│\s*2\s*│\s*2\s*│\s*0", outputs["pull"])
    assert outputs["export"].count('"id":') == 2
    assert "registered" in outputs["parties"]
