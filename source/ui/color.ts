/**
 * Colours that honour NO_COLOR (https://no-color.org: "when present and not an
 * empty string, prevents the addition of ANSI color"). Neither Ink 8's chalk 6
 * nor @inkjs/ui's chalk 5 reads NO_COLOR (their supports-color only knows
 * FORCE_COLOR and --no-color), so every colour the UI sets goes through here.
 * Bold, dim and inverse are attributes, not colours, and stay.
 */
import {defaultTheme, type ComponentTheme, type Theme} from '@inkjs/ui';

/** True unless `NO_COLOR` is set to a non-empty string (read on every call). */
export function colorsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
	const value = env['NO_COLOR'];
	return value === undefined || value === '';
}

/** The colour name for Ink's `color` / `backgroundColor` props, or undefined under NO_COLOR. */
export function tint(color: string): string | undefined {
	return colorsEnabled() ? color : undefined;
}

function withoutColor(styles: unknown): unknown {
	if (!styles || typeof styles !== 'object') return styles;
	const {color: _color, backgroundColor: _background, ...rest} = styles as Record<string, unknown>;
	return rest;
}

/**
 * The @inkjs/ui theme to use: the default one, or under NO_COLOR the default one
 * with `color` and `backgroundColor` removed from every component style.
 */
export function uiTheme(): Theme {
	if (colorsEnabled()) return defaultTheme;
	const components: Record<string, ComponentTheme> = {};
	for (const [name, component] of Object.entries(defaultTheme.components)) {
		const styles: NonNullable<ComponentTheme['styles']> = {};
		for (const [key, style] of Object.entries(component.styles ?? {})) {
			styles[key] = (props?: unknown) => withoutColor(style(props)) as Record<string, unknown>;
		}
		components[name] = {...component, styles};
	}
	return {components};
}
