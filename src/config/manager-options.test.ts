import { describe, expect, it } from 'vitest';
import { ConfigError } from '../platform/errors.js';
import { parseConfig } from './load-config.js';

const RUNNER = `[[runners]]
name = "r"
url = "https://gitlab.example.com"
token = "glrt-t1_abcdefghijk"
executor = "instance"
[runners.autoscaler]
plugin = "aws"
max_instances = 2
[runners.autoscaler.plugin_config]
name = "asg"
`;

const load = (text: string): ReturnType<typeof parseConfig> =>
  parseConfig(text, '/etc/sr/config.toml', {});

describe('the top-level [spotrunner] table', () => {
  it('has defaults when absent: dashboard on, bundled prices', () => {
    expect(load(`concurrent = 2\n${RUNNER}`).config.manager).toEqual({
      dashboard: true,
      livePrices: false,
    });
  });

  it('reads every key; file paths are relative to the config directory', () => {
    const text = `concurrent = 2
[spotrunner]
dashboard = false
dashboard_token_file = "dash-token"
live_prices = true
prices_file = "/srv/prices.csv"
price_region = "eu-west-1"
${RUNNER}`;
    expect(load(text).config.manager).toEqual({
      dashboard: false,
      dashboardTokenFile: '/etc/sr/dash-token',
      livePrices: true,
      pricesFile: '/srv/prices.csv',
      priceRegion: 'eu-west-1',
    });
  });

  it('names the line of an unknown key and suggests the right one', () => {
    const text = `concurrent = 2\n[spotrunner]\ndashbord = true\n${RUNNER}`;
    let caught: unknown;
    try {
      load(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as Error).message;
    expect(message).toContain(':3');
    expect(message).toContain('dashboard');
  });

  it('refuses a value of the wrong type with its line', () => {
    const text = `concurrent = 2\n[spotrunner]\nlive_prices = "yes"\n${RUNNER}`;
    expect(() => load(text)).toThrow(/:3/);
  });
});
