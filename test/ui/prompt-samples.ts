/**
 * A prompt of every kind, and of every variant that shows other keys or rows
 * (a failure that can wait longer or roll back, a gate of a step that asks
 * first, an ask with choices), on a fake run's steps.
 */
import type {Step} from '../../source/runbook/schema.js';
import type {Prompt} from '../../source/ui/prompt.js';
import {FakeHandle} from './fake-handle.js';

/** The steps the samples are about. */
export const steps: Step[] = [
	{id: 'plain', title: 'Restart the service', run: 'systemctl restart x'},
	{id: 'careful', title: 'A careful step', confirm: 'Really?', run: 'true'},
	{id: 'manual', title: 'Carry it out', manual: 'Do it by hand.'},
	{id: 'list', title: 'Checklist', manual: {text: 'Before:', items: ['One', 'Two']}},
	{id: 'drop', title: 'Drop the database', destructive: 'synapse', run: 'dropdb synapse'},
	{id: 'mode', ask: {var: 'MODE', prompt: 'Which mode?', choices: ['one', 'two', 'three']}},
	{id: 'name', ask: {var: 'NAME', prompt: 'Which name?', default: 'x'}},
];
const handle = new FakeHandle(steps);
const view = (id: string) => handle.stepView(id);
const failure = {error: 'exit code 1', attempt: 1};

/** A prompt of every kind and of every variant that lists other keys (their ids are set where used; the operator numbers its own). */
export const SAMPLES = {
	start: {kind: 'start', plan: ['The plan.']},
	gate: {kind: 'gate', step: view('plain')},
	'gate of a step that asks first': {kind: 'gate', step: view('careful')},
	manual: {kind: 'manual', step: view('manual'), instructions: 'Do it by hand.'},
	checklist: {
		kind: 'checklist',
		step: view('list'),
		item: {
			index: 0,
			total: 2,
			text: 'One',
			items: [
				{text: 'One', ticked: false},
				{text: 'Two', ticked: false},
			],
		},
	},
	failure: {kind: 'failure', step: view('plain'), failure},
	'failure of a wait that timed out, in a group with a rescue': {
		kind: 'failure',
		step: view('plain'),
		failure: {...failure, waitLonger: '5m', rollBack: {groupId: 'g', title: 'Group', steps: ['undo']}},
	},
	interrupted: {kind: 'interrupted', step: view('plain')},
	confirm: {kind: 'confirm', step: view('careful'), question: 'Really?'},
	destructive: {kind: 'destructive', step: view('drop'), question: 'Drop it?', word: 'synapse'},
	'ask with choices': {kind: 'ask', step: view('mode'), ask: {var: 'MODE', prompt: 'Which mode?', choices: ['one', 'two', 'three']}},
	ask: {kind: 'ask', step: view('name'), ask: {var: 'NAME', prompt: 'Which name?', default: 'x'}},
	param: {kind: 'param', name: 'BACKUP', param: {required: true}},
	'confirm with a question of many rows': {kind: 'confirm', step: view('careful'), question: `Really? ${'This cannot be undone. '.repeat(12)}`},
	'ask with more choices than are shown': {kind: 'ask', step: view('mode'), ask: {var: 'MODE', prompt: 'Which mode?', choices: ['a', 'b', 'c', 'd', 'e', 'f', 'g']}},
	'secret param with a description': {kind: 'param', name: 'PASS', param: {required: false, secret: true, description: 'The passphrase of the backup, if it has one.'}},
} as unknown as Record<string, Prompt>;
