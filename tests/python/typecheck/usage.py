"""Type-checked with mypy --strict by test_api_shape.py: every call here must type-check."""
import asyncio, re
from typing import Optional
import procwright

async def main() -> None:
    async with procwright.Sandbox() as sb:
        p = await sb.start_process("echo hi", on_output=lambda s, d: print(s, d))
        m = await p.wait_for_log(re.compile(r"h(i)"), timeout=1.5)
        g: Optional[str] = m.match[1] if m.match else None
        e = await p.wait_for_exit()
        code: Optional[int] = e.exit_code
        async for ev in p.stream_logs():
            print(ev.type, ev.timestamp.isoformat())
        r = await sb.exec(["echo", "x"], env={"A": None})
        print(r.duration + 1.0, g, code, p.start_time.tzinfo)
        s = await sb.create_session(id="x")
        await s.start_process("true")
        try:
            await p.wait_for_port(80, mode="tcp", status=(200, 299))
            await p.wait_for_port(80, owned=True)
            await p.wait_for_port(80, owned="auto")
        except procwright.ProcessReadyTimeoutError as err:
            print(err.condition, err.last_lines)
    sb2 = procwright.get_sandbox()
    await sb2.destroy()

asyncio.run(main())
