namespace Kvs.Tests; public class Dummy { [Xunit.Fact] public void T() {} }
