"""
An import-linter contract type the stock ones lack: no import circle between any two modules of a package
(``acyclic_siblings`` compares whole sub-packages, where an app's models and its services legitimately meet).
Used by ``.importlinter`` (tox env ``quality``).
"""

from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class AcyclicModulesContract(Contract):
    """Kept when no module of ``package`` imports itself through other modules (lazy imports count too)."""

    type_name = "acyclic_modules"
    package = fields.StringField()

    def check(self, graph, verbose):
        package = str(self.package)
        modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
        cycles = _strongly_connected(modules, lambda m: graph.find_modules_directly_imported_by(m))
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check):
        for cycle in check.metadata["cycles"]:
            output.print_error("Import circle: " + " -> ".join(cycle))
            output.new_line()


def _strongly_connected(nodes, edges):
    """Tarjan's algorithm, iterative: the components of more than one node, each sorted."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], 0
    node_set = set(nodes)
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(set(edges(root)) & node_set)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(set(edges(child)) & node_set))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found
