"""
The demo's course material: one question per language, each with visible and hidden test cases, a correct
solution and a partly correct one (used by ``seed_demo`` and by the ``DEMO_ONCE`` walk of ``run_demo.py``).
"""

#: The demo's people (username, role, password), seeded by ``seed_demo`` and printed by ``run_demo.py``.
ACCOUNTS = [
    ("teacher", "teacher", "teach-demo-2026"),
    ("ada", "student", "ada-demo-2026"),
    ("brian", "student", "brian-demo-2026"),
]


def case(stdin, expected, hidden=False):
    return {"input": stdin, "expected_output": expected, "hidden": hidden}


QUESTIONS = [
    {
        "title": "Sum of numbers",
        "language": "python",
        "prompt": "The first line holds n, the second n integers. Print their sum.",
        "points": 10,
        "test_cases": [case("3\n1 2 3\n", "6\n"), case("1\n5\n", "5\n"), case("4\n-1 -2 -3 10\n", "4\n", hidden=True)],
        "starter_code": "n = int(input())\nnumbers = list(map(int, input().split()))\n",
        "solution": "input()\nprint(sum(map(int, input().split())))\n",
        # ignores negative numbers: passes the visible cases, fails the hidden one
        "partial": "input()\nprint(sum(x for x in map(int, input().split()) if x > 0))\n",
    },
    {
        "title": "Reverse the words",
        "language": "javascript",
        "prompt": "Print the words of the input line in reverse order.",
        "points": 10,
        "test_cases": [
            case("hello world\n", "world hello\n"),
            case("a b c\n", "c b a\n"),
            case("w x y z\n", "z y x w\n", True),
        ],
        "starter_code": "const line = require('fs').readFileSync(0, 'utf8').trim();\n",
        "solution": "const line = require('fs').readFileSync(0, 'utf8').trim();\n"
        "console.log(line.split(/\\s+/).reverse().join(' '));\n",
        # swaps the first and last words only: right for up to three words
        "partial": "const w = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/);\n"
        "[w[0], w[w.length - 1]] = [w[w.length - 1], w[0]];\nconsole.log(w.join(' '));\n",
    },
    {
        "title": "Factorial",
        "language": "java",
        "prompt": "Read n (0 ≤ n ≤ 20) and print n!.",
        "points": 10,
        "test_cases": [case("5\n", "120\n"), case("0\n", "1\n"), case("20\n", "2432902008176640000\n", True)],
        "starter_code": "import java.util.Scanner;\n\npublic class Main {\n"
        "  public static void main(String[] args) {\n  }\n}\n",
        "solution": "import java.util.Scanner;\npublic class Main {\n  public static void main(String[] a) {\n"
        "    int n = new Scanner(System.in).nextInt();\n    long f = 1;\n"
        "    for (int i = 2; i <= n; i++) f *= i;\n    System.out.println(f);\n  }\n}\n",
        "partial": "import java.util.Scanner;\npublic class Main {\n  public static void main(String[] a) {\n"
        "    int n = new Scanner(System.in).nextInt();\n    int f = 1;\n"
        "    for (int i = 2; i <= n; i++) f *= i;\n    System.out.println(f);\n  }\n}\n",
    },
    {
        "title": "Largest number",
        "language": "c",
        "prompt": "The first line holds n, the second n integers. Print the largest.",
        "points": 10,
        "test_cases": [case("3\n1 9 4\n", "9\n"), case("1\n7\n", "7\n"), case("2\n-5 -3\n", "-3\n", True)],
        "starter_code": "#include <stdio.h>\n\nint main(void) {\n  return 0;\n}\n",
        "solution": '#include <stdio.h>\nint main(void) {\n  int n, x, best;\n  scanf("%d %d", &n, &best);\n'
        '  for (int i = 1; i < n; i++) { scanf("%d", &x); if (x > best) best = x; }\n'
        '  printf("%d\\n", best);\n  return 0;\n}\n',
        "partial": '#include <stdio.h>\nint main(void) {\n  int n, x, best = 0;\n  scanf("%d", &n);\n'
        '  for (int i = 0; i < n; i++) { scanf("%d", &x); if (x > best) best = x; }\n'
        '  printf("%d\\n", best);\n  return 0;\n}\n',
    },
    {
        "title": "Count the vowels",
        "language": "cpp",
        "prompt": "Print how many of the letters a, e, i, o, u (either case) the input line holds.",
        "points": 10,
        "test_cases": [case("hello\n", "2\n"), case("xyz\n", "0\n"), case("AEIOU aeiou\n", "10\n", True)],
        "starter_code": "#include <iostream>\n#include <string>\n\nint main() {\n}\n",
        "solution": "#include <iostream>\n#include <string>\nint main() {\n"
        "  std::string s; std::getline(std::cin, s);\n"
        '  int n = 0;\n  for (char c : s) n += std::string("aeiouAEIOU").find(c) != std::string::npos;\n'
        "  std::cout << n << std::endl;\n}\n",
        "partial": "#include <iostream>\n#include <string>\nint main() {\n  std::string s; std::getline(std::cin, s);\n"
        '  int n = 0;\n  for (char c : s) n += std::string("aeiou").find(c) != std::string::npos;\n'
        "  std::cout << n << std::endl;\n}\n",
    },
]

#: The fields of a question that the API takes (``POST /api/assignments/``).
API_FIELDS = ("title", "language", "prompt", "points", "test_cases", "starter_code")


def api_question(spec):
    return {key: spec[key] for key in API_FIELDS}


#: Points of a partly correct solution: 2 of 3 equally weighted cases (the visible ones) pass, so 6.666 of 10.
PARTIAL_POINTS = 7
