"""Renders templates with ansible-core's Templar, configured as its template action does.

Reads a JSON list of {"path": template file, "vars": {...}} on stdin and writes a JSON list of
{"text": rendered} or {"error": message}. Nothing here touches a host: it only renders text.
"""
import json
import os
import sys

from ansible.parsing.dataloader import DataLoader
from ansible.template import AnsibleEnvironment, Templar, generate_ansible_template_vars


def render(path, variables):
    with open(path, encoding='utf-8') as f:
        data = f.read()
    temp_vars = dict(variables)
    temp_vars.update(generate_ansible_template_vars(path, os.path.abspath(path), None))
    templar = Templar(loader=DataLoader(), variables=temp_vars).copy_with_new_env(
        environment_class=AnsibleEnvironment,
        searchpath=[os.path.dirname(path)],
        newline_sequence='\n',
        trim_blocks=True,
        lstrip_blocks=False,
        available_variables=temp_vars,
    )
    return templar.do_template(data, preserve_trailing_newlines=True, escape_backslashes=False)


def main():
    results = []
    for case in json.load(sys.stdin):
        try:
            results.append({'text': str(render(case['path'], case['vars']))})
        except Exception as err:  # the comparison reports any failure as that case's outcome
            results.append({'error': '%s: %s' % (type(err).__name__, err)})
    json.dump(results, sys.stdout)


main()
