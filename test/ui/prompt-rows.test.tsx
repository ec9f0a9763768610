/**
 * The rows the app leaves for a prompt (promptRows) are the rows the prompt
 * draws, for every kind and variant, at the terminal widths the TUI supports
 * (80 columns and up): both come
 * from the prompt's parts (prompt-view.tsx promptParts), so a question that
 * wraps or a longer choice list changes both.
 */
import {render} from 'ink-testing-library';
import {expect, test} from 'vitest';
import type {Prompt} from '../../source/ui/prompt.js';
import {entryFor} from '../../source/ui/prompt-entry.js';
import {PromptView, promptRows} from '../../source/ui/prompt-view.js';
import {SAMPLES} from './prompt-samples.js';

const cases = Object.entries(SAMPLES).flatMap(([name, sample]) => [80, 120, 200].map(width => [name, width, {...sample, id: 1} as Prompt] as const));

test.each(cases)('%s at %i columns: promptRows is the rows drawn', (_name, width, prompt) => {
	const {lastFrame, unmount} = render(<PromptView prompt={prompt} width={width} isActive entry={entryFor(prompt, undefined)} />);
	const frame = lastFrame() ?? '';
	unmount();
	expect(frame.split('\n')).toHaveLength(promptRows(prompt, width));
});

test('a question that wraps takes more rows, up to 3', () => {
	const prompt = {...SAMPLES['confirm with a question of many rows']!, id: 1} as Prompt;
	expect(promptRows({...prompt, question: 'Really?'} as Prompt, 80)).toBe(2);
	expect(promptRows(prompt, 200)).toBe(3);
	expect(promptRows(prompt, 80)).toBe(4);
});
