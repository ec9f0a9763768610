/**
 * Walks the zod schema along a YAML path to learn what is allowed there: the valid keys of
 * a mapping, for "did you mean" hints on unknown keys. Reads zod 4's public `_zod.def`
 * (types object, array, record, optional, nullable, default, union, pipe).
 */
import type {z} from 'zod';
import type {YamlPath} from './problems.js';

type Def = {
	type: string;
	shape?: Record<string, z.ZodType>;
	element?: z.ZodType;
	valueType?: z.ZodType;
	innerType?: z.ZodType;
	options?: z.ZodType[];
	in?: z.ZodType;
};

const defOf = (schema: z.ZodType): Def => (schema as unknown as {_zod: {def: Def}})._zod.def;

/** Strips wrappers that do not change the shape: optional, nullable, default, pipe (transforms). */
function unwrap(schema: z.ZodType): z.ZodType {
	let current = schema;
	for (;;) {
		const def = defOf(current);
		if ((def.type === 'optional' || def.type === 'nullable' || def.type === 'default' || def.type === 'readonly') && def.innerType) current = def.innerType;
		else if (def.type === 'pipe' && def.in) current = def.in;
		else return current;
	}
}

/** The schemas that may hold the value at `path` (several where a union branches). */
export function schemasAt(root: z.ZodType, path: YamlPath): z.ZodType[] {
	let current = [unwrap(root)];
	for (const segment of path) {
		const next: z.ZodType[] = [];
		const visit = (schema: z.ZodType): void => {
			const def = defOf(schema);
			if (def.type === 'union') for (const option of def.options ?? []) visit(unwrap(option));
			else if (def.type === 'object' && typeof segment === 'string' && def.shape?.[segment]) next.push(unwrap(def.shape[segment]));
			else if (def.type === 'array' && typeof segment === 'number' && def.element) next.push(unwrap(def.element));
			else if (def.type === 'record' && def.valueType) next.push(unwrap(def.valueType));
		};
		for (const schema of current) visit(schema);
		current = next;
	}
	return current;
}

/** The keys a mapping at `path` may have (empty when the path holds no object schema). */
export function validKeysAt(root: z.ZodType, path: YamlPath): string[] {
	const keys = new Set<string>();
	const collect = (schema: z.ZodType): void => {
		const def = defOf(schema);
		if (def.type === 'union') for (const option of def.options ?? []) collect(unwrap(option));
		else if (def.type === 'object') for (const key of Object.keys(def.shape ?? {})) keys.add(key);
	};
	for (const schema of schemasAt(root, path)) collect(schema);
	return [...keys];
}
