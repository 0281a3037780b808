public static class BenchProgram { public static void Main(string[] args) { } }
