/**
 * Characters that steer a terminal instead of showing: C0 controls but tab
 * (ESC starts colour, cursor and title sequences; CR and LF forge lines), DEL,
 * C1 controls (U+009B is a one-character CSI), and the bidi controls that
 * show text in another order than it is (Unicode UAX #9; "Trojan Source",
 * CVE-2021-42574), with the line and paragraph separators.
 */
const STEERING = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * Every human-readable line the CLI prints goes through here (issue 15,
 * finding 7): stored values come from IdPs and imported files, and a support
 * engineer's terminal must show them, never obey them. Each such character
 * is shown as its JSON escape (`\u001b`), as JSON.stringify shows C0 already.
 */
export function terminalText(text: string): string {
  return text.replace(STEERING, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text that is made of lines (commander's help and errors): each line made safe, the breaks kept. */
export function terminalLines(text: string): string {
  return text.split('\n').map(terminalText).join('\n');
}

/** One line on stdout, made safe. */
export function say(line: string): void {
  process.stdout.write(`${terminalText(line)}\n`);
}

/** One line on stderr, made safe. */
export function complain(line: string): void {
  process.stderr.write(`${terminalText(line)}\n`);
}
