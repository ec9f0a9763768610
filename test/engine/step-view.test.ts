/**
 * The variables a step view lists (the `vars:` row and the details view): every way a
 * script reads a variable counts as a use.
 */
import {expect, test} from 'vitest';
import {stepView} from '../../source/engine/view.js';

const scope = {vars: {HOST: 'db-1', PORT: '5432', SUFFIX: '-old', NAME: 'synapse', LEVEL: 'info', USER_NAME: 'ops'}, secrets: {TOKEN: 's3cret-token'}};

test('a run script using ${X:+…}, ${X:-…}, ${X:=…}, ${X-…} and ${#X} lists X with its value', () => {
	const step = {id: 'connect', run: 'psql ${HOST:+-h "$HOST"} -p ${PORT:-5432} -d "${NAME:=postgres}${SUFFIX-}"\necho "${#TOKEN} ${LEVEL:?}" # $USER_NAME in a comment'};
	const view = stepView(step, 0, scope);
	expect(view.vars).toEqual({HOST: 'db-1', PORT: '5432', NAME: 'synapse', SUFFIX: '-old', TOKEN: '***', LEVEL: 'info'});
});

test("a command wait's script counts too; a title's ${X:-default} as before", () => {
	const step = {id: 'ready', title: 'Wait for ${NAME:-db}', wait: {command: {run: 'pg_isready ${HOST:+--host=db}'}, timeout: '1m'}};
	const view = stepView(step as never, 0, scope);
	expect(view.vars).toEqual({HOST: 'db-1', NAME: 'synapse'});
	expect(view.title).toBe('Wait for synapse');
});

test('an exec command is shown with each argument shell-quoted, so a copied line sends the same arguments', () => {
	const step = {id: 'version', exec: {pod: 'statefulset/db', command: ['psql', '-U', 'postgres', '-c', "SELECT version(); -- it's", '$NAME', '$SUFFIX x']}};
	const view = stepView(step as never, 0, scope);
	expect(view.command).toBe(`exec statefulset/db -- psql -U postgres -c 'SELECT version(); -- it'\\''s' synapse '-old x'`);
});
