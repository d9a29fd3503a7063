#!/usr/bin/env python3
"""Regenerates the Ansible mirror's tasks and templates from the site's roles (run after a role changes;
test/bench/ansible-mirror.test.ts fails until the mirror matches). Defaults, handlers, files, vars and
the playbook are symlinks to the site's own. What differs, and why:
  - templates: Handlebars -> Jinja2, for the constructs the site uses; `{% endif +%}` where an inline
    block ends a line (Ansible renders with trim_blocks, Handlebars keeps that newline);
  - Handlebars inside task arguments -> Jinja2;
  - authorized_key and sysctl live in ansible.posix;
  - lb_member gets its settings as arguments (an Ansible module sees only its arguments).
"""
import glob
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
SITE_ROLES = os.path.join(HERE, '..', '..', 'roles')

TASK_EDITS = [
    ('{{#each sysctl_settings}}{{this.name}} {{/each}}', '{% for setting in sysctl_settings %}{{ setting.name }} {% endfor %}'),
    ('{{#if (eq apt_upgrade "dist")}}dist-upgrade{{else}}upgrade{{/if}}', "{{ 'dist-upgrade' if apt_upgrade == 'dist' else 'upgrade' }}"),
    ('  authorized_key:\n', '  ansible.posix.authorized_key:\n'),
    ('  sysctl:\n', '  ansible.posix.sysctl:\n'),
    ('  lb_member:\n    state: drained\n', '  lb_member:\n    state: drained\n    lb: "{{ lb }}"\n    host: "{{ inventory_hostname }}"\n'),
    ('  lb_member:\n    state: enabled\n', '  lb_member:\n    state: enabled\n    lb: "{{ lb }}"\n    host: "{{ inventory_hostname }}"\n'),
]


def convert_template(text):
    text = re.sub(r'\{\{#each (\w+)\}\}', r'{% for item in \1 %}', text)
    text = text.replace('{{/each}}', '{% endfor %}')
    text = re.sub(r'\{\{#if (\w+)\}\}', r'{% if \1 %}', text)
    text = text.replace('{{else}}', '{% else %}')
    text = re.sub(r'(?m)(?<=.)\{\{/if\}\}$', '{% endif +%}', text)
    text = text.replace('{{/if}}', '{% endif %}')
    text = re.sub(r'\{\{join (\w+) "([^"]*)"\}\}', r'{{ \1 | join("\2") }}', text)
    text = re.sub(r'\{\{\s*\.\./', '{{ ', text)  # an each's parent scope: Jinja2's loop sees the outer variables
    text = re.sub(r'\{\{\s*this\s*\}\}', '{{ item }}', text)
    text = re.sub(r'\{\{(\w+)\}\}', r'{{ \1 }}', text)
    if '{{#' in text or '{{/' in text:
        raise SystemExit('a Handlebars construct the mirror does not convert is left: ' + text)
    return text


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as out:
        out.write(text)


for source in sorted(glob.glob(os.path.join(SITE_ROLES, '*', 'tasks', '*.yml'))):
    text = re.sub(r'\.hbs$', '.j2', open(source).read(), flags=re.M)
    for old, new in TASK_EDITS:
        text = text.replace(old, new)
    if '{{#' in text:
        raise SystemExit('%s: a Handlebars construct in task arguments the mirror does not convert' % source)
    write(os.path.join(HERE, 'roles', os.path.relpath(source, SITE_ROLES)), text)

for source in sorted(glob.glob(os.path.join(SITE_ROLES, '*', 'templates', '*.hbs'))):
    write(os.path.join(HERE, 'roles', os.path.relpath(source, SITE_ROLES))[:-4] + '.j2', convert_template(open(source).read()))
