"""Sample learner programs per language: correct sum, a wrong (product) answer, a compile error, a loop."""

SUM = {
    "python": "a, b = map(int, input().split())\nprint(a + b)\n",
    "javascript": (
        "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\nconsole.log(a + b);\n"
    ),
    "java": (
        "import java.util.Scanner;\n"
        "public class Solution {\n"
        "  public static void main(String[] args) {\n"
        "    Scanner in = new Scanner(System.in);\n"
        "    System.out.println(in.nextInt() + in.nextInt());\n"
        "  }\n"
        "}\n"
    ),
    "c": '#include <stdio.h>\nint main(void) { int a, b; scanf("%d %d", &a, &b); printf("%d\\n", a + b); return 0; }\n',
    "cpp": "#include <iostream>\nint main() { int a, b; std::cin >> a >> b; std::cout << a + b << std::endl; }\n",
}

PRODUCT = {
    "python": "a, b = map(int, input().split())\nprint(a * b)\n",
    "javascript": (
        "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\nconsole.log(a * b);\n"
    ),
    "java": (
        "import java.util.Scanner;\n"
        "public class Main {\n"
        "  public static void main(String[] args) {\n"
        "    Scanner in = new Scanner(System.in);\n"
        "    System.out.println(in.nextInt() * in.nextInt());\n"
        "  }\n"
        "}\n"
    ),
    "c": '#include <stdio.h>\nint main(void) { int a, b; scanf("%d %d", &a, &b); printf("%d\\n", a * b); return 0; }\n',
    "cpp": "#include <iostream>\nint main() { int a, b; std::cin >> a >> b; std::cout << a * b << std::endl; }\n",
}

BROKEN = {
    "python": "a, b = map(int, input().split()\nprint(a + b)\n",
    "javascript": "const x = ;\nconsole.log(x);\n",
    "java": 'public class Main { public static void main(String[] args) { int x = "no"; } }\n',
    "c": '#include <stdio.h>\nint main(void) { printf("%d\\n", undefined_name); return 0; }\n',
    "cpp": "#include <iostream>\nint main() { std::cout << undefined_name << std::endl; }\n",
}

LOOP = {
    "python": "while True:\n    pass\n",
    "javascript": "while (true) {}\n",
    "java": "public class Main { public static void main(String[] a) { long x = 0; while (true) { x++; } } }\n",
    "c": "int main(void) { volatile long x = 0; for (;;) x++; }\n",
    "cpp": "int main() { volatile long x = 0; for (;;) x++; }\n",
}

#: (stdin, expected, points): a + b passes all; a * b passes only the second case (2 of 3 points).
SUM_TESTS = [
    {"stdin": "1 2\n", "expected_stdout": "3\n", "points": 1},
    {"stdin": "2 2\n", "expected_stdout": "4\n", "points": 2},
]
