import { describe, expect, it } from 'vitest';
import {
  defaultServiceAliases,
  normalizeRegistryHost,
  parseImageRef,
  pullReference,
  serviceAliases,
  splitAliases,
} from './image-ref.js';

describe('image references', () => {
  it('finds the registry host only when the first component looks like one', () => {
    expect(parseImageRef('postgres:14')).toEqual({
      registry: 'docker.io',
      path: 'postgres',
      tag: '14',
    });
    expect(parseImageRef('library/redis')).toEqual({
      registry: 'docker.io',
      path: 'library/redis',
    });
    expect(parseImageRef('registry.example.com:5005/acme/app:1.2')).toEqual({
      registry: 'registry.example.com:5005',
      path: 'acme/app',
      tag: '1.2',
    });
    expect(parseImageRef('localhost/app@sha256:abc')).toEqual({
      registry: 'localhost',
      path: 'app',
      digest: 'sha256:abc',
    });
    expect(parseImageRef('index.docker.io/library/alpine').registry).toBe('docker.io');
  });

  it('normalises registry names from credentials and DOCKER_AUTH_CONFIG', () => {
    expect(normalizeRegistryHost('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normalizeRegistryHost('Registry.Example.com:5005')).toBe('registry.example.com:5005');
    expect(normalizeRegistryHost('http://gitlab.example.com:8080/path')).toBe(
      'gitlab.example.com:8080',
    );
  });

  it('pulls :latest when the name has neither tag nor digest', () => {
    expect(pullReference('alpine')).toBe('alpine:latest');
    expect(pullReference('host:5000/ns/app')).toBe('host:5000/ns/app:latest');
    expect(pullReference('alpine:3.20')).toBe('alpine:3.20');
    expect(pullReference('alpine@sha256:abc')).toBe('alpine@sha256:abc');
  });

  it("derives gitlab-runner's default service aliases", () => {
    expect(defaultServiceAliases('registry.example.com/group/sub/postgres:14')).toEqual([
      'group__sub__postgres',
      'group-sub-postgres',
    ]);
    expect(defaultServiceAliases('tutum/wordpress:latest')).toEqual([
      'tutum__wordpress',
      'tutum-wordpress',
    ]);
    expect(defaultServiceAliases('postgres:14')).toEqual(['postgres']);
  });

  it('splits several aliases separated by commas or spaces and puts them first', () => {
    expect(splitAliases('db, pg  primary')).toEqual(['db', 'pg', 'primary']);
    expect(splitAliases(undefined)).toEqual([]);
    expect(serviceAliases('postgres:14', 'db,postgres')).toEqual(['db', 'postgres']);
  });
});
