"""The demo's sample course: one problem per language, four learners' submissions per problem."""

COURSE_KEY = "course-v1:DemoU+CS101+2026"
COURSE_TITLE = "CS101: Programming in five languages"
LIMITS = {"cpu_seconds": 1, "wall_seconds": 4}


def case(stdin, expected, points=1, **extra):
    return {"stdin": stdin, "expected_stdout": expected, "points": points, **extra}


PROBLEMS = [
    {
        "slug": "sum-python",
        "title": "Sum of numbers",
        "language": "python",
        "tests": [case("3\n1 2 3\n", "6\n"), case("1\n5\n", "5\n"), case("4\n-1 -2 -3 10\n", "4\n", 2)],
        "samples": {
            "pass": "input()\nprint(sum(map(int, input().split())))\n",
            "partial": "input()\nprint(sum(x for x in map(int, input().split()) if x > 0))\n",
            "compile_error": "input()\nprint(sum(map(int, input().split()))\n",
            "timeout": "while True:\n    pass\n",
        },
    },
    {
        "slug": "reverse-javascript",
        "title": "Reverse the words",
        "language": "javascript",
        "tests": [
            case("hello world\n", "world hello\n", compare="whitespace"),
            case("a b c\n", "c b a\n", compare="whitespace"),
            case("single\n", "single\n", compare="whitespace"),
        ],
        "samples": {
            "pass": "const line = require('fs').readFileSync(0, 'utf8').trim();\n"
            "console.log(line.split(/\\s+/).reverse().join(' '));\n",
            "partial": "const line = require('fs').readFileSync(0, 'utf8').trim();\n"
            "console.log(line.split('').reverse().join(''));\n",
            "compile_error": "const line = require('fs').readFileSync(0, 'utf8').trim(;\nconsole.log(line);\n",
            "timeout": "for (;;) {}\n",
        },
    },
    {
        "slug": "factorial-java",
        "title": "Factorial",
        "language": "java",
        "tests": [case("5\n", "120\n"), case("0\n", "1\n"), case("20\n", "2432902008176640000\n", 2)],
        "samples": {
            "pass": "import java.util.Scanner;\npublic class Main {\n  public static void main(String[] a) {\n"
            "    int n = new Scanner(System.in).nextInt();\n    long f = 1;\n"
            "    for (int i = 2; i <= n; i++) f *= i;\n    System.out.println(f);\n  }\n}\n",
            "partial": "import java.util.Scanner;\npublic class Main {\n  public static void main(String[] a) {\n"
            "    int n = new Scanner(System.in).nextInt();\n    int f = 1;\n"
            "    for (int i = 2; i <= n; i++) f *= i;\n    System.out.println(f);\n  }\n}\n",
            "compile_error": "public class Main {\n  public static void main(String[] a) {\n"
            "    System.out.println(1)\n  }\n}\n",
            "timeout": "public class Main {\n  public static void main(String[] a) {\n"
            "    long x = 0;\n    while (true) { x++; }\n  }\n}\n",
        },
    },
    {
        "slug": "max-c",
        "title": "Largest number",
        "language": "c",
        "tests": [case("3\n1 9 4\n", "9\n"), case("2\n-5 -3\n", "-3\n"), case("1\n7\n", "7\n")],
        "samples": {
            "pass": '#include <stdio.h>\nint main(void) {\n  int n, x, best;\n  scanf("%d %d", &n, &best);\n'
            '  for (int i = 1; i < n; i++) { scanf("%d", &x); if (x > best) best = x; }\n'
            '  printf("%d\\n", best);\n  return 0;\n}\n',
            "partial": '#include <stdio.h>\nint main(void) {\n  int n, x, best = 0;\n  scanf("%d", &n);\n'
            '  for (int i = 0; i < n; i++) { scanf("%d", &x); if (x > best) best = x; }\n'
            '  printf("%d\\n", best);\n  return 0;\n}\n',
            "compile_error": '#include <stdio.h>\nint main(void) {\n  printf("%d\\n", biggest);\n  return 0;\n}\n',
            "timeout": "int main(void) {\n  volatile unsigned long x = 0;\n  for (;;) x++;\n}\n",
        },
    },
    {
        "slug": "average-cpp",
        "title": "Average",
        "language": "cpp",
        "tests": [
            case("2\n1 2\n", "1.5\n", compare="float", tolerance=1e-6),
            case("3\n1 1 1\n", "1\n", compare="float", tolerance=1e-6),
            case("4\n1 2 3 5\n", "2.75\n", compare="float", tolerance=1e-6),
        ],
        "samples": {
            "pass": "#include <iostream>\nint main() {\n  int n; double s = 0, x;\n  std::cin >> n;\n"
            "  for (int i = 0; i < n; i++) { std::cin >> x; s += x; }\n  std::cout << s / n << std::endl;\n}\n",
            "partial": "#include <iostream>\nint main() {\n  int n, s = 0, x;\n  std::cin >> n;\n"
            "  for (int i = 0; i < n; i++) { std::cin >> x; s += x; }\n  std::cout << s / n << std::endl;\n}\n",
            "compile_error": "#include <iostream>\nint main() {\n  std::cout << average(1, 2) << std::endl;\n}\n",
            "timeout": "int main() {\n  volatile unsigned long x = 0;\n  for (;;) x++;\n}\n",
        },
    },
]

LEARNERS = {"pass": "ada", "partial": "brian", "compile_error": "chris", "timeout": "dana"}
