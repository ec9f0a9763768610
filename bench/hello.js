/**
 * The start-up baseline: an Ink hello-world, `render(<Text>Hello</Text>)`,
 * in plain JavaScript so it runs without a build. bench/startup.ts times it
 * to its first frame ("Hello" on the terminal) the same way as `runbook run`.
 */
import React from 'react';
import {render, Text} from 'ink';

render(React.createElement(Text, null, 'Hello'));
